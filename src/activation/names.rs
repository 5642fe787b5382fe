//! Comparing a registered name (Unicode) with an MRZ name (A–Z and spaces), tolerant of the ICAO
//! transliteration (Doc 9303 Part 3 §6, "Transliteration of Latin-based national characters") and of
//! MRZ truncation (Part 3 §4.6.5): a truncated MRZ name need only be a prefix of the registered one.

/// The MRZ spellings a registered character may take. `None`: the character cannot appear in a name
/// we can compare (digits, symbols, non-Latin scripts), so the names do not match.
fn spellings(c: char) -> Option<&'static [&'static str]> {
    Some(match c {
        // Part 3 §6 recommends Å→AA, Æ→AE, Ø→OE, Ä→AE, Ö→OE, Ü→UE (or UXX), Ñ→NXX; the single-letter
        // forms are what states that drop the diacritic print, and are accepted too.
        'Å' => &["AA", "A"],
        'Æ' => &["AE"],
        'Ø' => &["OE", "O"],
        'Ä' => &["AE", "A", "AXX"],
        'Ö' => &["OE", "O", "OXX"],
        'Ü' => &["UE", "U", "UXX"],
        'Ñ' => &["N", "NXX"],
        'ß' => &["SS"],
        'Þ' => &["TH"],
        'Œ' => &["OE"],
        'Ĳ' => &["IJ"],
        'Ð' | 'Đ' | 'Ď' => &["D"],
        'Á' | 'À' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' => &["A"],
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => &["C"],
        'É' | 'È' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => &["E"],
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => &["G"],
        'Ĥ' | 'Ħ' => &["H"],
        'Í' | 'Ì' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => &["I"],
        'Ĵ' => &["J"],
        'Ķ' => &["K"],
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => &["L"],
        'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => &["N"],
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' => &["O"],
        'Ŕ' | 'Ŗ' | 'Ř' => &["R"],
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => &["S"],
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => &["T"],
        'Ú' | 'Ù' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => &["U"],
        'Ŵ' => &["W"],
        'Ý' | 'Ÿ' | 'Ŷ' => &["Y"],
        'Ź' | 'Ż' | 'Ž' => &["Z"],
        _ => return None,
    })
}

/// One character of a normalised registered name: the MRZ spellings it may take.
#[derive(Debug, Clone)]
enum Unit {
    Letter(char),
    Alternatives(&'static [&'static str]),
    Space,
}

/// Normalises a registered name: upper case, hyphens/commas/spaces become one separator (the MRZ
/// filler), apostrophes and full stops are dropped (Part 3 §4.6.1). `None` if it has a character
/// with no MRZ spelling.
fn units(name: &str) -> Option<Vec<Unit>> {
    let mut out: Vec<Unit> = Vec::new();
    for c in name.chars().flat_map(char::to_uppercase) {
        match c {
            'A'..='Z' => out.push(Unit::Letter(c)),
            ' ' | '-' | ',' | '\u{2010}' | '\u{2011}' => {
                if !matches!(out.last(), None | Some(Unit::Space)) {
                    out.push(Unit::Space);
                }
            }
            '\'' | '’' | '.' => {}
            other => out.push(Unit::Alternatives(spellings(other)?)),
        }
    }
    if matches!(out.last(), Some(Unit::Space)) {
        out.pop();
    }
    Some(out)
}

/// The MRZ name as comparable bytes: A–Z and single spaces.
fn mrz_bytes(mrz: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for b in mrz.bytes() {
        match b {
            b'A'..=b'Z' => out.push(b),
            _ => {
                if !matches!(out.last(), None | Some(b' ')) {
                    out.push(b' ');
                }
            }
        }
    }
    if out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// Whether `mrz` spells `registered` (`prefix`: or a prefix of it, for a truncated MRZ name).
pub fn name_matches(registered: &str, mrz: &str, prefix: bool) -> bool {
    let Some(units) = units(registered) else {
        return false;
    };
    let m = mrz_bytes(mrz);
    // Depth-first search with a memo of failed (unit, position) pairs: O(units × mrz) states.
    let mut failed = std::collections::HashSet::new();
    let mut stack = vec![(0usize, 0usize)];
    while let Some((u, j)) = stack.pop() {
        if j == m.len() && (u == units.len() || prefix) {
            return true;
        }
        if u == units.len() || !failed.insert((u, j)) {
            continue;
        }
        let rest = m.get(j..).unwrap_or_default();
        match units.get(u) {
            Some(Unit::Letter(c)) if rest.first() == Some(&(*c as u8)) => {
                stack.push((u + 1, j + 1));
            }
            Some(Unit::Space) if rest.first() == Some(&b' ') => stack.push((u + 1, j + 1)),
            Some(Unit::Alternatives(alts)) => {
                for alt in alts.iter() {
                    let a = alt.as_bytes();
                    if rest.starts_with(a) {
                        stack.push((u + 1, j + a.len()));
                    } else if prefix && a.starts_with(rest) {
                        // Truncation may cut a transliteration in two (Å → "A|A").
                        stack.push((units.len(), m.len()));
                    }
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
