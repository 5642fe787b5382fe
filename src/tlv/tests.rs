//! Unit tests of `tlv`.

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test hex")
}

/// EF.COM example of ICAO 9303 Part 10 §4.6.1 (also the one read in Part 11 Appendix D.4):
/// LDS version "0106", Unicode version "040000", tag list DG1 (61) and DG2 (75).
const EF_COM: &str = "60145F0104303130365F36063034303030305C026175";

#[test]
fn ef_com_worked_example() {
    let bytes = hex(EF_COM);
    let com = Tlv::parse_exact(&bytes).expect("EF.COM parses");
    assert_eq!(com.tag, Tag::EF_COM);
    assert!(com.is_constructed());
    assert_eq!(com.header_len(), 2);
    assert_eq!(com.value.len(), 0x14);
    let children: Vec<_> = com.children().unwrap().collect::<Result<_, _>>().unwrap();
    let tags: Vec<u32> = children.iter().map(|c| c.tag.number()).collect();
    assert_eq!(tags, [0x5F01, 0x5F36, 0x5C]);
    assert_eq!(children[0].value, b"0106");
    assert_eq!(children[0].offset, 2);
    assert_eq!(children[1].value, b"040000");
    assert_eq!(children[2].value, [0x61, 0x75]);
    assert_eq!(children[2].offset, 2 + 7 + 9);
    let list = find_path(&bytes, &[0x60, 0x5C]).unwrap().unwrap();
    assert_eq!(list.value, [0x61, 0x75]);
    assert_eq!(header_len_and_total(&bytes[..4]).unwrap(), (2, 22));
    com.validate().unwrap();
}

#[test]
fn ef_com_rebuilt_with_writer() {
    let mut w = TlvWriter::new();
    w.constructed(Tag::EF_COM, |w| {
        w.write(Tag::try_new(0x5F01)?, b"0106")?;
        w.write(Tag::try_new(0x5F36)?, b"040000")?;
        w.write(Tag::TAG_LIST, &[0x61, 0x75])?;
        Ok(())
    })
    .unwrap();
    assert_eq!(w.into_bytes(), hex(EF_COM));
}

/// DG1 of ICAO 9303 Part 10 (TD3 specimen): 61 5B 5F1F 58 <88 MRZ characters>.
#[test]
fn dg1_td3_mrz() {
    let mrz =
        b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(mrz.len(), 88);
    let mut bytes = hex("615B5F1F58");
    bytes.extend_from_slice(mrz);
    let dg1 = Tlv::parse_exact(&bytes).unwrap();
    assert_eq!(dg1.tag, Tag::DG1);
    let data = dg1.find(0x5F1F).unwrap().unwrap();
    assert_eq!(data.value, mrz);
    assert_eq!(data.value_offset(), 5);
    assert_eq!(header_len_and_total(&bytes[..5]).unwrap(), (2, 93));
    assert_eq!(encode(Tag::DG1, &bytes[2..]).unwrap(), bytes);
}

/// DG2 shape (ICAO 9303 Part 10 §4.7.2): 75 → 7F61 { 02 count, 7F60 { A1 header, 5F2E data } },
/// with a 300-byte image so the long length forms 82 appear.
#[test]
fn dg2_path_lookup_long_lengths() {
    let image: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    let mut w = TlvWriter::new();
    w.constructed(Tag::DG2, |w| {
        w.constructed(Tag::BIOMETRIC_GROUP, |w| {
            w.write(Tag::try_new(0x02)?, &[0x01])?;
            w.constructed(Tag::BIOMETRIC_TEMPLATE, |w| {
                w.constructed(Tag::try_new(0xA1)?, |w| {
                    w.write(Tag::try_new(0x80)?, &[0x01, 0x01])?;
                    Ok(())
                })?;
                w.write(Tag::BIOMETRIC_DATA, &image)?;
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })
    .unwrap();
    let dg2 = w.into_bytes();
    // 5F2E 82 012C: two-byte tag, long form with two length bytes.
    let face = find_path(&dg2, &[0x75, 0x7F61, 0x7F60, 0x5F2E])
        .unwrap()
        .unwrap();
    assert_eq!(face.value, &image[..]);
    assert_eq!(face.raw[..5], [0x5F, 0x2E, 0x82, 0x01, 0x2C]);
    assert_eq!(face.depth(), 3);
    assert_eq!(&dg2[face.value_offset()..][..300], &image[..]);
    let (h, total) = header_len_and_total(&dg2[..6]).unwrap();
    assert_eq!((h, total), (4, dg2.len()));
    assert_eq!(find_path(&dg2, &[0x75, 0x7F61, 0x7F2E]).unwrap(), None);
    assert_eq!(find_path(&dg2, &[0x61]).unwrap(), None);
    Tlv::parse_exact(&dg2).unwrap().validate().unwrap();
}

#[test]
fn tags() {
    for (n, len, constructed, class) in [
        (0x5F1F, 2, false, TagClass::Application),
        (0x7F61, 2, true, TagClass::Application),
        (0x5F2E, 2, false, TagClass::Application),
        (0x7F2E, 2, true, TagClass::Application),
        (0x30, 1, true, TagClass::Universal),
        (0x02, 1, false, TagClass::Universal),
        (0xA1, 1, true, TagClass::ContextSpecific),
        (0x9F8101, 3, false, TagClass::ContextSpecific),
        (0xDF818201, 4, false, TagClass::Private),
    ] {
        let tag = Tag::try_new(n).unwrap();
        assert_eq!(tag.encoded_len(), len, "{n:X}");
        assert_eq!(tag.is_constructed(), constructed, "{n:X}");
        assert_eq!(tag.class(), class, "{n:X}");
        let mut out = Vec::new();
        tag.write_to(&mut out);
        assert_eq!(out.len(), len);
        assert_eq!(Tag::try_from(n), Ok(tag));
    }
    assert_eq!(Tag::try_new(0x5F1F).unwrap().to_string(), "5F1F");
    assert_eq!(Tag::try_new(0x02).unwrap().to_string(), "02");
    assert_eq!(format!("{:?}", Tag::DG2), "Tag(75)");
    for bad in [
        0x00u32, 0xFF, 0x1F, 0x5F, 0x5F80, 0x5F81, 0x5F8181, 0x1F0100, 0xDF818181,
    ] {
        assert_eq!(
            Tag::try_new(bad),
            Err(TlvError::InvalidTagNumber(bad)),
            "{bad:X}"
        );
    }
    for c in [
        Tag::EF_COM,
        Tag::EF_SOD,
        Tag::DG1,
        Tag::DG2,
        Tag::MRZ_DATA,
        Tag::TAG_LIST,
        Tag::BIOMETRIC_GROUP,
        Tag::BIOMETRIC_TEMPLATE,
        Tag::BIOMETRIC_DATA,
        Tag::BIOMETRIC_DATA_CONSTRUCTED,
    ] {
        assert_eq!(Tag::try_new(c.number()), Ok(c));
    }
}

#[test]
fn length_forms() {
    for (len, enc) in [
        (0usize, "00"),
        (0x7F, "7F"),
        (0x80, "8180"),
        (0xFF, "81FF"),
        (0x100, "820100"),
        (0xFFFF, "82FFFF"),
        (0x10000, "83010000"),
        (0x0100_0000, "8401000000"),
    ] {
        let mut out = Vec::new();
        encode_length(len, &mut out).unwrap();
        assert_eq!(out, hex(enc), "{len}");
        let mut header = vec![0x04];
        header.extend_from_slice(&out);
        assert_eq!(
            header_len_and_total(&header).unwrap(),
            (header.len(), header.len() + len)
        );
    }
    #[cfg(target_pointer_width = "64")]
    assert_eq!(
        encode_length(1 << 32, &mut Vec::new()),
        Err(TlvError::ValueTooLong(1 << 32))
    );
    // Three length bytes carrying a 70 000-byte value (e.g. a large DG2 image).
    let big = vec![0xA5; 70_000];
    let encoded = encode(Tag::BIOMETRIC_DATA, &big).unwrap();
    assert_eq!(encoded[..6], hex("5F2E83011170")[..]);
    let parsed = Tlv::parse_exact(&encoded).unwrap();
    assert_eq!(parsed.header_len(), 6);
    assert!(parsed.value == &big[..]);
    // Non-minimal long forms within 4 length bytes are BER and accepted.
    let bytes = hex("04820003414243FF");
    let (t, rest) = Tlv::parse(&bytes).unwrap();
    assert_eq!(t.value, b"ABC");
    assert_eq!(t.header_len(), 4);
    assert_eq!(rest, [0xFF]);
}

#[test]
fn rejections_name_what_and_where() {
    let e = |s: &str| Tlv::parse(&hex(s)).unwrap_err();
    assert_eq!(e("0480"), TlvError::IndefiniteLength { offset: 1 });
    assert_eq!(
        e("04850000000001"),
        TlvError::LengthTooLong {
            offset: 1,
            octets: 5
        }
    );
    assert_eq!(
        e("04FF"),
        TlvError::LengthTooLong {
            offset: 1,
            octets: 127
        }
    );
    assert_eq!(
        e("040541"),
        TlvError::Truncated {
            field: TlvField::Value,
            offset: 2,
            needed: 5,
            available: 1
        }
    );
    assert_eq!(
        e("048201"),
        TlvError::Truncated {
            field: TlvField::Length,
            offset: 1,
            needed: 3,
            available: 2
        }
    );
    assert_eq!(
        e("5F"),
        TlvError::Truncated {
            field: TlvField::Tag,
            offset: 0,
            needed: 2,
            available: 1
        }
    );
    assert_eq!(
        e("04"),
        TlvError::Truncated {
            field: TlvField::Length,
            offset: 1,
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        e(""),
        TlvError::Truncated {
            field: TlvField::Tag,
            offset: 0,
            needed: 1,
            available: 0
        }
    );
    assert_eq!(e("1F81818101"), TlvError::TagTooLong { offset: 0 });
    assert_eq!(
        e("5F8001"),
        TlvError::InvalidTag {
            offset: 1,
            byte: 0x80
        }
    );
    assert_eq!(e("0000"), TlvError::InvalidTag { offset: 0, byte: 0 });
    assert_eq!(
        e("FF00"),
        TlvError::InvalidTag {
            offset: 0,
            byte: 0xFF
        }
    );
    assert_eq!(
        Tlv::parse_exact(&hex("040141FF")).unwrap_err(),
        TlvError::TrailingData { offset: 3, len: 1 }
    );
    // A broken child reports its absolute offset: 60 06 | 5F01 01 30 | 04 05 (truncated).
    let bytes = hex("60065F010130040541");
    let outer = Tlv::parse(&bytes).unwrap().0;
    let kids: Vec<_> = outer.children().unwrap().collect();
    assert_eq!(kids.len(), 2);
    assert_eq!(
        kids[1],
        Err(TlvError::Truncated {
            field: TlvField::Value,
            offset: 8,
            needed: 5,
            available: 0
        })
    );
    assert_eq!(outer.find(0x99), Err(kids[1].clone().unwrap_err()));
    assert!(outer.validate().is_err());
    // Children of a primitive object.
    let bytes = hex("0401AA");
    let prim = Tlv::parse_exact(&bytes).unwrap();
    assert_eq!(
        prim.children().unwrap_err(),
        TlvError::NotConstructed {
            tag: Tag::try_new(4).unwrap(),
            offset: 0
        }
    );
    assert_eq!(
        header_len_and_total(&hex("5F1F")).unwrap_err(),
        TlvError::Truncated {
            field: TlvField::Length,
            offset: 2,
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        TlvWriter::new()
            .constructed(Tag::DG1.max_primitive(), |_| Ok(()))
            .unwrap_err(),
        TlvError::NotConstructed {
            tag: Tag(0x41),
            offset: 0
        }
    );
}

impl Tag {
    /// Test helper: the same tag number with the constructed bit cleared (single-byte tags).
    fn max_primitive(self) -> Tag {
        Tag(self.0 & !0x20)
    }
}

/// Nesting `depth` levels of 30 (SEQUENCE) around an empty 04.
fn nested(depth: usize) -> Vec<u8> {
    let mut bytes = hex("0400");
    for _ in 0..depth {
        bytes = encode(Tag::try_new(0x30).unwrap(), &bytes).unwrap();
    }
    bytes
}

#[test]
fn depth_bound() {
    // 31 wrappers: the innermost 04 is at depth 31, the deepest allowed.
    let ok = nested(MAX_DEPTH - 1);
    Tlv::parse_exact(&ok).unwrap().validate().unwrap();
    let path = vec![0x30u32; MAX_DEPTH];
    assert!(find_path(&ok, &path).unwrap().is_none());
    let deep = nested(MAX_DEPTH);
    let err = Tlv::parse_exact(&deep).unwrap().validate().unwrap_err();
    // Each wrapper with a short-form length adds 2 header bytes.
    assert_eq!(
        err,
        TlvError::TooDeep {
            offset: 2 * MAX_DEPTH,
            max: MAX_DEPTH
        }
    );
    let mut path = vec![0x30u32; MAX_DEPTH];
    path.push(0x04);
    assert_eq!(
        find_path(&deep, &path).unwrap_err(),
        TlvError::PathTooLong {
            len: MAX_DEPTH + 1,
            max: MAX_DEPTH
        }
    );
    // The writer enforces the same bound.
    fn wrap(w: &mut TlvWriter, left: usize) -> Result<(), TlvError> {
        if left == 0 {
            w.write(Tag::try_new(0x04)?, &[])?;
            Ok(())
        } else {
            w.constructed(Tag::try_new(0x30)?, |w| wrap(w, left - 1))?;
            Ok(())
        }
    }
    let mut w = TlvWriter::new();
    wrap(&mut w, MAX_DEPTH - 1).unwrap();
    assert_eq!(w.into_bytes(), ok);
    assert!(matches!(
        wrap(&mut TlvWriter::new(), MAX_DEPTH),
        Err(TlvError::TooDeep { .. })
    ));
}

#[test]
fn debug_does_not_print_values() {
    let bytes = hex("5F1F03414243");
    let t = Tlv::parse_exact(&bytes).unwrap();
    let dbg = format!("{t:?}");
    assert!(dbg.contains("5F1F") && dbg.contains("len: 3"), "{dbg}");
    assert!(!dbg.contains("65") && !dbg.contains("ABC"), "{dbg}");
}

// --- property tests -----------------------------------------------------------------

/// Any valid tag: 1-byte low tag numbers, or 2–4 byte high tag numbers.
fn any_tag(constructed: bool) -> impl Strategy<Value = Tag> {
    let cons = if constructed { 0x20u32 } else { 0 };
    prop_oneof![
        (0u32..4, 0u32..0x1F)
            .prop_map(move |(class, n)| (class << 6) | cons | n)
            .prop_filter("not 00", |v| *v != 0),
        (0u32..4, 1usize..4, any::<[u8; 3]>())
            .prop_filter("not FF", move |(class, _, _)| !(*class == 3 && cons != 0))
            .prop_map(move |(class, extra, bytes)| {
                let mut v = (class << 6) | cons | 0x1F;
                for (i, b) in bytes.iter().take(extra).enumerate() {
                    let mut b = u32::from(*b);
                    if i + 1 == extra {
                        b &= 0x7F;
                    } else {
                        b |= 0x80;
                    }
                    if i == 0 && b == 0x80 {
                        b = 0x81;
                    }
                    v = (v << 8) | b;
                }
                v
            }),
    ]
    .prop_map(|v| Tag::try_new(v).expect("generated tag is valid"))
}

#[derive(Debug, Clone)]
enum Node {
    Leaf(Tag, Vec<u8>),
    Branch(Tag, Vec<Node>),
}

fn any_tree() -> impl Strategy<Value = Node> {
    let leaf = (
        any_tag(false),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(t, v)| Node::Leaf(t, v));
    leaf.prop_recursive(6, 64, 5, |inner| {
        (any_tag(true), proptest::collection::vec(inner, 0..5))
            .prop_map(|(t, kids)| Node::Branch(t, kids))
    })
}

fn write_node(w: &mut TlvWriter, node: &Node) -> Result<(), TlvError> {
    match node {
        Node::Leaf(t, v) => {
            w.write(*t, v)?;
        }
        Node::Branch(t, kids) => {
            w.constructed(*t, |w| {
                for k in kids {
                    write_node(w, k)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

fn check_node(tlv: &Tlv<'_>, node: &Node) {
    match node {
        Node::Leaf(t, v) => {
            assert_eq!(tlv.tag, *t);
            assert_eq!(tlv.value, &v[..]);
        }
        Node::Branch(t, kids) => {
            assert_eq!(tlv.tag, *t);
            let parsed: Vec<_> = tlv.children().unwrap().collect::<Result<_, _>>().unwrap();
            assert_eq!(parsed.len(), kids.len());
            for (p, k) in parsed.iter().zip(kids) {
                check_node(p, k);
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                   path in proptest::collection::vec(any::<u32>(), 0..4)) {
        let _ = header_len_and_total(&bytes);
        if let Ok((tlv, rest)) = Tlv::parse(&bytes) {
            prop_assert_eq!(tlv.raw.len() + rest.len(), bytes.len());
            let _ = tlv.validate();
            let _ = tlv.find_path(&path);
            if let Ok(kids) = tlv.children() {
                for k in kids { let _ = k.map(|k| k.validate()); }
            }
        }
        for item in parse_all(&bytes) { let _ = item.map(|t| t.validate()); }
        let _ = find_path(&bytes, &path);
    }

    #[test]
    fn mutated_encodings_never_panic(tree in any_tree(), at in any::<usize>(), byte in any::<u8>(),
                                     cut in any::<usize>()) {
        let mut w = TlvWriter::new();
        write_node(&mut w, &tree).unwrap();
        let mut bytes = w.into_bytes();
        let i = at % bytes.len();
        bytes[i] = byte;
        bytes.truncate(cut % (bytes.len() + 1));
        if let Ok((tlv, _)) = Tlv::parse(&bytes) {
            let _ = tlv.validate();
            let _ = tlv.find_path(&[0x30, 0x5F1F]);
        }
        let _ = header_len_and_total(&bytes);
    }

    #[test]
    fn header_helper_agrees_with_parser(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        match (header_len_and_total(&bytes), Tlv::parse(&bytes)) {
            (Ok((h, total)), Ok((tlv, _))) => {
                prop_assert_eq!(h, tlv.header_len());
                prop_assert_eq!(total, tlv.raw.len());
            }
            (Ok((_, total)), Err(e)) => {
                prop_assert!(total > bytes.len(), "{:?}", e);
                let is_value_truncated = matches!(e, TlvError::Truncated { field: TlvField::Value, .. });
                prop_assert!(is_value_truncated);
            }
            (Err(e1), Err(_)) => { let _ = e1; }
            (Err(e), Ok(_)) => prop_assert!(false, "header failed but parse ok: {:?}", e),
        }
    }

    #[test]
    fn tag_numbers_round_trip(n in any::<u32>()) {
        if let Ok(tag) = Tag::try_new(n) {
            let mut out = Vec::new();
            tag.write_to(&mut out);
            out.push(0x00);
            let (t, _) = Tlv::parse(&out).unwrap();
            prop_assert_eq!(t.tag, tag);
        }
    }

    #[test]
    fn write_then_parse_round_trip(tree in any_tree()) {
        let mut w = TlvWriter::new();
        write_node(&mut w, &tree).unwrap();
        let bytes = w.into_bytes();
        let tlv = Tlv::parse_exact(&bytes).unwrap();
        tlv.validate().unwrap();
        check_node(&tlv, &tree);
        let (h, total) = header_len_and_total(&bytes[..bytes.len().min(MAX_HEADER_LEN)]).unwrap();
        prop_assert_eq!(total, bytes.len());
        prop_assert_eq!(h, tlv.header_len());
        // Re-encoding the parsed view gives the same bytes (the writer is minimal).
        prop_assert_eq!(encode(tlv.tag, tlv.value).unwrap(), bytes);
    }
}
