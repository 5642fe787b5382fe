//! Standardized domain parameters for PACE (ICAO 9303 Part 11 §9.5.1, BSI TR-03110-3 Table 4):
//! IDs 0–2 are the RFC 5114 MODP groups, 8–18 the NIST and Brainpool curves. The constants
//! below are those of RFC 5114 §2.1–2.3, SEC 2 and RFC 5639 (as printed by OpenSSL 3.0's
//! explicit-parameter encoding and checked in the tests: G on the curve, n·G = O, g^q = 1).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::arith::DhGroup;
use super::ec::{EcCurve, EcPoint};

/// Elliptic-curve domain parameters as big-endian hex.
pub(crate) struct EcConstants {
    pub(crate) p: &'static str,
    pub(crate) a: &'static str,
    pub(crate) b: &'static str,
    pub(crate) gx: &'static str,
    pub(crate) gy: &'static str,
    pub(crate) n: &'static str,
    #[allow(dead_code)]
    pub(crate) cofactor: u32,
}

/// MODP group parameters as big-endian hex.
pub(crate) struct DhConstants {
    pub(crate) p: &'static str,
    pub(crate) g: &'static str,
    pub(crate) q: &'static str,
}

/// A standardized PACE domain parameter set, by its parameter ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StandardGroup {
    /// ID 0: 1024-bit MODP group with 160-bit prime order subgroup (RFC 5114 §2.1).
    Modp1024_160,
    /// ID 1: 2048-bit MODP group with 224-bit prime order subgroup (RFC 5114 §2.2).
    Modp2048_224,
    /// ID 2: 2048-bit MODP group with 256-bit prime order subgroup (RFC 5114 §2.3).
    Modp2048_256,
    /// ID 8: NIST P-192 (secp192r1).
    P192,
    /// ID 9: brainpoolP192r1.
    BrainpoolP192r1,
    /// ID 10: NIST P-224 (secp224r1).
    P224,
    /// ID 11: brainpoolP224r1.
    BrainpoolP224r1,
    /// ID 12: NIST P-256 (secp256r1).
    P256,
    /// ID 13: brainpoolP256r1.
    BrainpoolP256r1,
    /// ID 14: brainpoolP320r1.
    BrainpoolP320r1,
    /// ID 15: NIST P-384 (secp384r1).
    P384,
    /// ID 16: brainpoolP384r1.
    BrainpoolP384r1,
    /// ID 17: brainpoolP512r1.
    BrainpoolP512r1,
    /// ID 18: NIST P-521 (secp521r1).
    P521,
}

impl StandardGroup {
    /// Every standardized set, in parameter-ID order.
    pub const ALL: [StandardGroup; 14] = [
        StandardGroup::Modp1024_160,
        StandardGroup::Modp2048_224,
        StandardGroup::Modp2048_256,
        StandardGroup::P192,
        StandardGroup::BrainpoolP192r1,
        StandardGroup::P224,
        StandardGroup::BrainpoolP224r1,
        StandardGroup::P256,
        StandardGroup::BrainpoolP256r1,
        StandardGroup::BrainpoolP320r1,
        StandardGroup::P384,
        StandardGroup::BrainpoolP384r1,
        StandardGroup::BrainpoolP512r1,
        StandardGroup::P521,
    ];

    /// The standardized domain parameter ID (DO'84' of MSE:Set AT, `parameterId` of PACEInfo).
    pub fn id(self) -> u8 {
        match self {
            StandardGroup::Modp1024_160 => 0,
            StandardGroup::Modp2048_224 => 1,
            StandardGroup::Modp2048_256 => 2,
            StandardGroup::P192 => 8,
            StandardGroup::BrainpoolP192r1 => 9,
            StandardGroup::P224 => 10,
            StandardGroup::BrainpoolP224r1 => 11,
            StandardGroup::P256 => 12,
            StandardGroup::BrainpoolP256r1 => 13,
            StandardGroup::BrainpoolP320r1 => 14,
            StandardGroup::P384 => 15,
            StandardGroup::BrainpoolP384r1 => 16,
            StandardGroup::BrainpoolP512r1 => 17,
            StandardGroup::P521 => 18,
        }
    }

    /// The set with this parameter ID; `None` for IDs 3–7 (reserved) and above 18.
    pub fn from_id(id: u64) -> Option<StandardGroup> {
        StandardGroup::ALL
            .into_iter()
            .find(|g| u64::from(g.id()) == id)
    }

    /// Whether this is a MODP (DH) group rather than an elliptic curve.
    pub fn is_dh(self) -> bool {
        self.id() <= 2
    }

    /// The name used on the command line (`--access pace:MAPPING:GROUP:CIPHER`).
    pub fn name(self) -> &'static str {
        match self {
            StandardGroup::Modp1024_160 => "modp1024",
            StandardGroup::Modp2048_224 => "modp2048-224",
            StandardGroup::Modp2048_256 => "modp2048-256",
            StandardGroup::P192 => "P-192",
            StandardGroup::BrainpoolP192r1 => "brainpoolP192r1",
            StandardGroup::P224 => "P-224",
            StandardGroup::BrainpoolP224r1 => "brainpoolP224r1",
            StandardGroup::P256 => "P-256",
            StandardGroup::BrainpoolP256r1 => "brainpoolP256r1",
            StandardGroup::BrainpoolP320r1 => "brainpoolP320r1",
            StandardGroup::P384 => "P-384",
            StandardGroup::BrainpoolP384r1 => "brainpoolP384r1",
            StandardGroup::BrainpoolP512r1 => "brainpoolP512r1",
            StandardGroup::P521 => "P-521",
        }
    }

    /// The arithmetic of this set, built (and checked) once per process; `None` only if the
    /// constants failed their checks, which the tests rule out.
    pub(crate) fn arithmetic(self) -> Option<&'static GroupArith> {
        static CACHE: [OnceLock<Option<GroupArith>>; 14] = [const { OnceLock::new() }; 14];
        let index = StandardGroup::ALL.iter().position(|g| *g == self)?;
        CACHE.get(index)?.get_or_init(|| build(self)).as_ref()
    }
}

/// The arithmetic for one parameter set.
// Built once per process and cached.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum GroupArith {
    /// An elliptic curve.
    Ec(EcCurve),
    /// A MODP group.
    Dh(DhGroup),
}

fn unhex(s: &str) -> Vec<u8> {
    // The constants are fixed, valid hex; a failure would be caught by the group checks below.
    hex::decode(s).unwrap_or_default()
}

fn ec(c: &EcConstants) -> Option<GroupArith> {
    EcCurve::new(
        &unhex(c.p),
        &unhex(c.a),
        &unhex(c.b),
        &unhex(c.gx),
        &unhex(c.gy),
        &unhex(c.n),
    )
    .map(GroupArith::Ec)
}

fn dh(c: &DhConstants) -> Option<GroupArith> {
    DhGroup::new(&unhex(c.p), &unhex(c.g), &unhex(c.q)).map(GroupArith::Dh)
}

fn build(group: StandardGroup) -> Option<GroupArith> {
    match group {
        StandardGroup::Modp1024_160 => dh(&MODP_1024_160),
        StandardGroup::Modp2048_224 => dh(&MODP_2048_224),
        StandardGroup::Modp2048_256 => dh(&MODP_2048_256),
        StandardGroup::P192 => ec(&SECP192R1),
        StandardGroup::BrainpoolP192r1 => ec(&BRAINPOOLP192R1),
        StandardGroup::P224 => ec(&SECP224R1),
        StandardGroup::BrainpoolP224r1 => ec(&BRAINPOOLP224R1),
        StandardGroup::P256 => ec(&SECP256R1),
        StandardGroup::BrainpoolP256r1 => ec(&BRAINPOOLP256R1),
        StandardGroup::BrainpoolP320r1 => ec(&BRAINPOOLP320R1),
        StandardGroup::P384 => ec(&SECP384R1),
        StandardGroup::BrainpoolP384r1 => ec(&BRAINPOOLP384R1),
        StandardGroup::BrainpoolP512r1 => ec(&BRAINPOOLP512R1),
        StandardGroup::P521 => ec(&SECP521R1),
    }
}

impl fmt::Display for StandardGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A group name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown PACE group {0:?} (expected brainpoolP256r1, brainpoolP384r1, brainpoolP512r1, P-256, P-384, P-521, modp1024, modp2048-224, modp2048-256, …)"
)]
pub struct UnknownGroup(pub String);

impl FromStr for StandardGroup {
    type Err = UnknownGroup;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.to_ascii_lowercase().replace(['-', '_'], "");
        let found = StandardGroup::ALL.into_iter().find(|g| {
            let name = g.name().to_ascii_lowercase().replace('-', "");
            name == norm
                || match g {
                    StandardGroup::P192 => norm == "secp192r1",
                    StandardGroup::P224 => norm == "secp224r1",
                    StandardGroup::P256 => norm == "secp256r1" || norm == "prime256v1",
                    StandardGroup::P384 => norm == "secp384r1",
                    StandardGroup::P521 => norm == "secp521r1",
                    StandardGroup::Modp1024_160 => norm == "modp1024160",
                    _ => false,
                }
        });
        found.ok_or_else(|| UnknownGroup(s.to_string()))
    }
}

/// prime192v1 domain parameters.
pub(crate) const SECP192R1: EcConstants = EcConstants {
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC",
    b: "64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1",
    gx: "188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012",
    gy: "07192B95FFC8DA78631011ED6B24CDD573F977A11E794811",
    n: "FFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831",
    cofactor: 1,
};

/// brainpoolP192r1 domain parameters.
pub(crate) const BRAINPOOLP192R1: EcConstants = EcConstants {
    p: "C302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297",
    a: "6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF",
    b: "469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9",
    gx: "C0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6",
    gy: "14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F",
    n: "C302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1",
    cofactor: 1,
};

/// secp224r1 domain parameters.
pub(crate) const SECP224R1: EcConstants = EcConstants {
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE",
    b: "B4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4",
    gx: "B70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21",
    gy: "BD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34",
    n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D",
    cofactor: 1,
};

/// brainpoolP224r1 domain parameters.
pub(crate) const BRAINPOOLP224R1: EcConstants = EcConstants {
    p: "D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF",
    a: "68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43",
    b: "2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B",
    gx: "0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D",
    gy: "58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD",
    n: "D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F",
    cofactor: 1,
};

/// prime256v1 domain parameters.
pub(crate) const SECP256R1: EcConstants = EcConstants {
    p: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
    a: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
    b: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
    gx: "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
    gy: "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
    n: "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
    cofactor: 1,
};

/// brainpoolP256r1 domain parameters.
pub(crate) const BRAINPOOLP256R1: EcConstants = EcConstants {
    p: "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
    a: "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
    b: "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
    gx: "8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
    gy: "547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
    n: "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7",
    cofactor: 1,
};

/// brainpoolP320r1 domain parameters.
pub(crate) const BRAINPOOLP320R1: EcConstants = EcConstants {
    p: "D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
    a: "3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
    b: "520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
    gx: "43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
    gy: "14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
    n: "D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311",
    cofactor: 1,
};

/// secp384r1 domain parameters.
pub(crate) const SECP384R1: EcConstants = EcConstants {
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
    b: "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
    gx: "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
    gy: "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
    n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    cofactor: 1,
};

/// brainpoolP384r1 domain parameters.
pub(crate) const BRAINPOOLP384R1: EcConstants = EcConstants {
    p: "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
    a: "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
    b: "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
    gx: "1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
    gy: "8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
    n: "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565",
    cofactor: 1,
};

/// brainpoolP512r1 domain parameters.
pub(crate) const BRAINPOOLP512R1: EcConstants = EcConstants {
    p: "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
    a: "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
    b: "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
    gx: "81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
    gy: "7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
    n: "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069",
    cofactor: 1,
};

/// secp521r1 domain parameters.
pub(crate) const SECP521R1: EcConstants = EcConstants {
    p: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    a: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC",
    b: "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00",
    gx: "00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66",
    gy: "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650",
    n: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
    cofactor: 1,
};

/// RFC 5114 §2.1 group.
pub(crate) const MODP_1024_160: DhConstants = DhConstants {
    p: "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    g: "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    q: "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
};

/// RFC 5114 §2.2 group.
pub(crate) const MODP_2048_224: DhConstants = DhConstants {
    p: "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    g: "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    q: "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
};

/// RFC 5114 §2.3 group.
pub(crate) const MODP_2048_256: DhConstants = DhConstants {
    p: "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    g: "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    q: "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
};

/// A group element: a curve point or an element of Z_p^*.
// Short-lived, on the stack; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum Element {
    /// A point.
    Ec(EcPoint),
    /// A MODP value.
    Dh(super::arith::Fe),
}

impl GroupArith {
    /// The static generator G / g.
    pub(crate) fn generator(&self) -> Element {
        match self {
            GroupArith::Ec(c) => Element::Ec(c.generator()),
            GroupArith::Dh(d) => Element::Dh(d.generator().clone()),
        }
    }

    /// The group order n / q.
    pub(crate) fn order(&self) -> &crypto_bigint::BoxedUint {
        match self {
            GroupArith::Ec(c) => c.order(),
            GroupArith::Dh(d) => d.order(),
        }
    }

    /// Bit length of the field prime p.
    pub(crate) fn field_bits(&self) -> u32 {
        match self {
            GroupArith::Ec(c) => c.field_bits(),
            GroupArith::Dh(d) => d.field().bits(),
        }
    }

    /// `k × base` (EC) or `base^k` (DH), constant time in `k` for a fixed precision.
    pub(crate) fn exp(&self, base: &Element, k: &crypto_bigint::BoxedUint) -> Option<Element> {
        match (self, base) {
            (GroupArith::Ec(c), Element::Ec(p)) => c.mul(p, k).map(Element::Ec),
            (GroupArith::Dh(d), Element::Dh(y)) => Some(Element::Dh(d.pow(y, k))),
            _ => None,
        }
    }

    /// The group operation: point addition or modular multiplication.
    pub(crate) fn op(&self, x: &Element, y: &Element) -> Option<Element> {
        match (self, x, y) {
            (GroupArith::Ec(c), Element::Ec(p), Element::Ec(q)) => c.add(p, q).map(Element::Ec),
            (GroupArith::Dh(d), Element::Dh(a), Element::Dh(b)) => Some(Element::Dh(d.mul(a, b))),
            _ => None,
        }
    }

    /// Whether the element is the neutral element (public results only).
    pub(crate) fn is_neutral(&self, x: &Element) -> bool {
        match (self, x) {
            (GroupArith::Ec(c), Element::Ec(p)) => c.is_identity(p),
            (GroupArith::Dh(d), Element::Dh(y)) => d.is_one(y),
            _ => true,
        }
    }

    /// The public key encoding of Part 11 §9.4.5: uncompressed point, or the value as `len(p)`
    /// bytes; `None` for the neutral element.
    pub(crate) fn encode(&self, x: &Element) -> Option<Vec<u8>> {
        if self.is_neutral(x) {
            return None;
        }
        match (self, x) {
            (GroupArith::Ec(c), Element::Ec(p)) => c.encode(p),
            (GroupArith::Dh(d), Element::Dh(y)) => Some(d.encode(y)),
            _ => None,
        }
    }

    /// Decodes and validates a peer's public key.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<Element, super::arith::Invalid> {
        match self {
            GroupArith::Ec(c) => c.decode(bytes).map(Element::Ec),
            GroupArith::Dh(d) => d.decode(bytes).map(Element::Dh),
        }
    }

    /// The shared secret of a key agreement result: the x-coordinate (ECDH) or the value
    /// (DH), both as `len(p)` bytes; `None` for the neutral element.
    pub(crate) fn shared_secret(&self, x: &Element) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        if self.is_neutral(x) {
            return None;
        }
        match (self, x) {
            (GroupArith::Ec(c), Element::Ec(p)) => c.x_bytes(p),
            (GroupArith::Dh(d), Element::Dh(y)) => Some(zeroize::Zeroizing::new(d.encode(y))),
            _ => None,
        }
    }

    /// The tag of the public key in the public key data object: 0x86 (EC point) or 0x84 (DH).
    pub(crate) fn public_key_tag(&self) -> u8 {
        match self {
            GroupArith::Ec(_) => 0x86,
            GroupArith::Dh(_) => 0x84,
        }
    }

    /// Whether the Integrated Mapping can encode into this group.
    pub(crate) fn supports_integrated_mapping(&self) -> bool {
        match self {
            GroupArith::Ec(c) => c.supports_point_encoding(),
            GroupArith::Dh(_) => true,
        }
    }

    /// The Integrated Mapping's f_G / f_g applied to `R_p(s, t)`, from the PRF output `x`
    /// (reduced mod p here, in constant time); `None` for a neutral result.
    pub(crate) fn integrated_map(&self, x: &[u8]) -> Option<Element> {
        let mapped = match self {
            GroupArith::Ec(c) => Element::Ec(c.integrated_map(x)?),
            GroupArith::Dh(d) => {
                let bits = u32::try_from(x.len().checked_mul(8)?).ok()?;
                let value =
                    zeroize::Zeroizing::new(crypto_bigint::BoxedUint::from_be_slice(x, bits).ok()?);
                Element::Dh(d.encode_to_group(&d.field().reduce(&value)?))
            }
        };
        (!self.is_neutral(&mapped)).then_some(mapped)
    }

    /// `R_p(s, t)` as `len(p)` bytes (for the worked examples).
    #[cfg(test)]
    pub(crate) fn reduce_to_bytes(&self, x: &[u8]) -> Option<Vec<u8>> {
        match self {
            GroupArith::Ec(c) => c.reduce_to_bytes(x),
            GroupArith::Dh(d) => {
                let bits = u32::try_from(x.len() * 8).ok()?;
                let value = crypto_bigint::BoxedUint::from_be_slice(x, bits).ok()?;
                Some(d.field().to_be(&d.field().reduce(&value)?))
            }
        }
    }
}
