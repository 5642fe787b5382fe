//! ISO 3166-1 alpha-3 → alpha-2 country codes, to compare a document's issuing state (MRZ, alpha-3) with a
//! CSCA certificate's `countryName` (alpha-2). Table generated from Debian's iso-codes `iso_3166-1.json`,
//! plus the ICAO 9303 Part 3 codes that are not ISO 3166 (`D`, `UTO`, the British `GB?` codes, `RKS`).

/// `AAABB` entries: alpha-3 then alpha-2, sorted by alpha-3.
const TABLE: &str = "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU AUTAT \
AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO \
BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG \
COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO \
DZADZ ECUEC EGYEG ERIER ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB \
GEOGE GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY \
HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT \
JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY \
LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH \
MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA \
NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE \
PHLPH PLWPW PNGPG POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA \
SDNSD SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR \
SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM TLSTL TONTO \
TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC VENVE VGBVG \
VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW";

/// ICAO codes outside ISO 3166-1 (ICAO 9303 Part 3 §5): mapped to the alpha-2 code their CSCAs use.
const ICAO_EXTRA: [(&str, &str); 8] = [
    ("D", "DE"),
    ("UTO", "UT"),
    ("GBD", "GB"),
    ("GBN", "GB"),
    ("GBO", "GB"),
    ("GBP", "GB"),
    ("GBS", "GB"),
    ("RKS", "XK"),
];

/// The alpha-2 code for an MRZ issuing-state code (filler `<` ignored), if known.
pub fn alpha2_for(mrz_code: &str) -> Option<&'static str> {
    let code = mrz_code.trim_end_matches('<');
    if let Some((_, a2)) = ICAO_EXTRA.iter().find(|(a3, _)| *a3 == code) {
        return Some(a2);
    }
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    TABLE
        .split_ascii_whitespace()
        .find(|e| e.get(..3) == Some(code))
        .and_then(|e| e.get(3..5))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // ISO 3166-1: NOR/NO, SWE/SE; ICAO 9303 Part 3: `D<<` is Germany, `UTO` the specimen Utopia.
        assert_eq!(alpha2_for("NOR"), Some("NO"));
        assert_eq!(alpha2_for("SWE"), Some("SE"));
        assert_eq!(alpha2_for("D<<"), Some("DE"));
        assert_eq!(alpha2_for("UTO"), Some("UT"));
        assert_eq!(alpha2_for("ZZZ"), None);
        assert_eq!(alpha2_for("no"), None);
    }
}
