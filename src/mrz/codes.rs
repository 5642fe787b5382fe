//! Issuing state / nationality codes: ISO 3166-1 alpha-3 plus the ICAO 9303 Part 3 §5 special codes, as data.

/// What kind of code an issuing state or nationality field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeKind {
    /// An ISO 3166-1 alpha-3 country code.
    Iso3166,
    /// A code defined by ICAO 9303 Part 3 §5 (e.g. `D` for Germany, `XXA` stateless, `UNO`).
    IcaoSpecial,
    /// `UTO`, the fictitious state used in ICAO specimens.
    Specimen,
}

/// ISO 3166-1 alpha-3, sorted (the officially assigned codes).
const ISO3166_ALPHA3: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// ICAO 9303 Part 3 §5 codes that are not ISO 3166-1 alpha-3 (sorted), with their meaning.
///
/// The whole list of Part 3 §5 (8th edition), plus `RKS` as Kosovo prints it. Codes withdrawn from
/// ISO 3166 (`ANT`, `NTZ`) are left out: no document carrying them is still in force, and every code
/// here widens the lexicon the OCR matches code fields against. `IAO` (ICAO signing a master list)
/// is on no travel document.
const ICAO_SPECIAL: &[(&str, &str)] = &[
    ("D", "Germany"),
    ("EUE", "European Union"),
    ("GBD", "British Overseas Territories Citizen"),
    ("GBN", "British National (Overseas)"),
    ("GBO", "British Overseas Citizen"),
    ("GBP", "British Protected Person"),
    ("GBS", "British Subject"),
    ("RKS", "Kosovo (used in Kosovo documents)"),
    ("UNA", "Specialized agency of the United Nations"),
    ("UNK", "Resident of Kosovo, travel document issued by UNMIK"),
    ("UNO", "United Nations Organization"),
    ("XBA", "African Development Bank"),
    ("XCC", "Caribbean Community (CARICOM)"),
    ("XCE", "Council of Europe"),
    (
        "XCO",
        "Common Market for Eastern and Southern Africa (COMESA)",
    ),
    ("XDC", "Southern African Development Community"),
    ("XEC", "Economic Community of West African States (ECOWAS)"),
    ("XES", "Organisation of Eastern Caribbean States"),
    ("XIM", "African Export-Import Bank"),
    ("XMP", "Parliamentary Assembly of the Mediterranean"),
    ("XOM", "Sovereign Military Order of Malta"),
    (
        "XPO",
        "International Criminal Police Organization (INTERPOL)",
    ),
    ("XXA", "Stateless person (1954 Convention)"),
    ("XXB", "Refugee (1951 Convention)"),
    ("XXC", "Refugee (other than the 1951 Convention)"),
    ("XXX", "Unspecified nationality"),
];

/// Strips trailing fillers: `D<<` → `D`.
fn trim(code: &str) -> &str {
    code.trim_end_matches('<')
}

/// The kind of an issuing state / nationality code (`D<<` and `D` both accepted), `None` if unknown.
pub fn code_kind(code: &str) -> Option<CodeKind> {
    let code = trim(code);
    if code == "UTO" {
        Some(CodeKind::Specimen)
    } else if ISO3166_ALPHA3.binary_search(&code).is_ok() {
        Some(CodeKind::Iso3166)
    } else if ICAO_SPECIAL
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .is_ok()
    {
        Some(CodeKind::IcaoSpecial)
    } else {
        None
    }
}

/// Whether `code` is a known ISO 3166-1 alpha-3 or ICAO special code (or `UTO`, the specimen state).
pub fn is_known_code(code: &str) -> bool {
    code_kind(code).is_some()
}

/// Every known issuing state / nationality code (ISO 3166-1 alpha-3, the ICAO 9303 Part 3 special
/// codes and the specimen state `UTO`), as printed without its trailing fillers (`D`, not `D<<`):
/// the lexicon an OCR reader matches a code field against.
///
/// ```
/// use bankid_activation::mrz::{is_known_code, known_codes};
/// assert!(known_codes().any(|c| c == "D"));
/// assert!(known_codes().all(is_known_code));
/// ```
pub fn known_codes() -> impl Iterator<Item = &'static str> {
    ISO3166_ALPHA3
        .iter()
        .copied()
        .chain(ICAO_SPECIAL.iter().map(|(c, _)| *c))
        .chain(core::iter::once("UTO"))
}

/// The meaning of an ICAO special code (`XXA` → "Stateless person (1954 Convention)"), if it is one.
pub fn special_code_meaning(code: &str) -> Option<&'static str> {
    let code = trim(code);
    ICAO_SPECIAL
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| ICAO_SPECIAL.get(i))
        .map(|(_, m)| *m)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
