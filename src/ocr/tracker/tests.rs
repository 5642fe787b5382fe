use super::*;

const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// A sure reading of `TD3` with the cells in `washed` washed out: there the classifier guessed
/// `<` with confidence, as it does on a blank cell.
fn frame(washed: &[(usize, usize)]) -> MrzReading {
    let candidates: Vec<Vec<Vec<Alternative>>> = TD3
        .iter()
        .enumerate()
        .map(|(l, line)| {
            line.chars()
                .enumerate()
                .map(|(c, ch)| {
                    if washed.contains(&(l, c)) {
                        vec![('<', 0.95)]
                    } else {
                        vec![(ch, 0.99)]
                    }
                })
                .collect()
        })
        .collect();
    let mut r = super::super::correct(MrzFormat::Td3, candidates, false);
    r.washed_out = washed.to_vec();
    r.valid &= washed.is_empty();
    r
}

/// A reading of `lines` as `format` with every character at probability 0.999.
fn sure_reading(format: MrzFormat, lines: &[&str]) -> MrzReading {
    let rows: Vec<Vec<Vec<Alternative>>> = lines
        .iter()
        .map(|l| l.chars().map(|c| vec![(c, 0.999)]).collect())
        .collect();
    super::super::correct(format, rows, false)
}

#[test]
fn washed_out_cells_do_not_vote_and_frames_fill_each_other_in() {
    // Two frames, each missing different letters of the (uncovered) name: neither is valid, and
    // without the washed-out marks the `<` guesses would drag the letters down.
    let a = frame(&[(0, 5), (0, 6), (0, 7), (1, 0)]);
    let b = frame(&[(0, 20), (0, 21), (1, 30)]);
    assert!(!a.valid && !b.valid);
    let mut t = MrzTracker::new(2);
    assert!(t.push(&a).is_none(), "one washed frame is not enough");
    let got = t.push(&b).expect("the frames together see every cell");
    assert_eq!(got.lines, TD3);
    assert!(got.valid && got.washed_out.is_empty());
}

#[test]
fn a_cell_no_frame_saw_keeps_the_consensus_invalid() {
    let mut t = MrzTracker::new(2);
    assert!(t.push(&frame(&[(0, 6)])).is_none());
    assert!(t.push(&frame(&[(0, 6), (1, 3)])).is_none());
    let c = t.consensus().expect("a consensus");
    assert!(!c.valid);
    assert_eq!(c.washed_out, vec![(0, 6)]);
}

#[test]
fn a_frame_of_another_format_does_not_reset_the_vote() {
    let mut t = MrzTracker::new(2);
    assert!(t.push(&frame(&[(0, 5)])).is_none());
    // A TD2-shaped reading (the glare hid the line ends), not valid.
    let short: Vec<Vec<Vec<Alternative>>> = TD3
        .iter()
        .map(|l| l.chars().take(36).map(|c| vec![(c, 0.9)]).collect())
        .collect();
    let other = super::super::correct(MrzFormat::Td2, short, false);
    assert!(!other.valid);
    assert!(t.push(&other).is_none());
    let got = t.push(&frame(&[(1, 12)])).expect("two TD3 frames");
    assert_eq!(got.lines, TD3);
    assert_eq!(t.frames(), 3);
}

#[test]
fn one_sure_valid_frame_is_not_reported_alone() {
    // The first 36 columns of an MRV-A visa whose line ends a glare hid: a valid, sure MRV-B
    // (no visa check digit covers columns 28..). One frame must not be enough, however sure.
    let mrvb = [
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "L8988901C4XXX4009078F9612109<<<<<<<<",
    ];
    let sure = sure_reading(MrzFormat::MrvB, &mrvb);
    assert!(sure.valid && sure.confidence > 0.97);
    let mut t = MrzTracker::new(2);
    assert!(t.push(&sure).is_none(), "one frame of a 2×36 format");
    assert_eq!(
        t.push(&sure).map(|r| r.lines),
        Some(mrvb.map(String::from).to_vec())
    );
    // The same holds for the other formats: `min_frames` frames, whatever their confidence.
    let mut t = MrzTracker::new(2);
    let td3 = frame(&[]);
    assert!(td3.valid && td3.confidence > 0.97);
    assert!(t.push(&td3).is_none(), "one frame of a TD3");
    assert!(t.push(&td3).is_some());
    // `min_frames` 1 accepts one valid frame.
    assert!(MrzTracker::new(1).push(&td3).is_some());
}

#[test]
fn a_valid_frame_of_a_minority_format_is_not_reported() {
    // A TD3 whose line ends the glare hid, read as a valid (and sure) TD2: the tracker has seen
    // the document as a TD3 already and must not report the TD2.
    let mut t = MrzTracker::new(2);
    assert!(t.push(&frame(&[(0, 40)])).is_none());
    let td2 = [
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ];
    let short = sure_reading(MrzFormat::Td2, &td2);
    assert!(short.valid && short.confidence > 0.97);
    assert!(
        t.push(&short).is_none(),
        "one TD3 frame against one TD2 frame"
    );
}

const MRVA: [&str; 2] = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
];

/// `TD3` with line `l` read one pitch late (a filler first), surely.
fn shifted(l: usize) -> MrzReading {
    let mut lines: Vec<String> = TD3.iter().map(|s| s.to_string()).collect();
    let moved: String = std::iter::once('<')
        .chain(lines[l].chars().take(43))
        .collect();
    lines[l] = moved;
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    sure_reading(MrzFormat::Td3, &refs)
}

#[test]
fn a_line_shifted_against_the_other_frames_casts_no_vote() {
    // Two frames see different halves of the second line's start; a third read that line one
    // pitch late, surely. Where only one good frame saw the ink, the shifted frame would split
    // the vote (or win it): it must be left out of that line.
    let a = frame(&[(1, 0), (1, 1), (1, 2), (1, 3), (1, 4)]);
    let c = frame(&[(1, 5), (1, 6), (1, 7), (1, 8), (1, 9)]);
    let mut t = MrzTracker::new(2);
    assert!(t.push(&a).is_none());
    assert!(t.push(&shifted(1)).is_none(), "a frame against the other");
    let got = t
        .push(&c)
        .expect("the two good frames outvote the shifted one");
    assert_eq!(got.lines, TD3);
    // Two frames only, one shifted: neither can be told right, so that line has no vote.
    let mut t = MrzTracker::new(2);
    assert!(t.push(&frame(&[])).is_none());
    assert!(t.push(&shifted(1)).is_none());
    let c = t.consensus().expect("a consensus");
    assert!(!c.valid);
    assert_eq!(c.washed_out.len(), 44, "{:?}", c.washed_out);
    assert!(c.washed_out.iter().all(|&(l, _)| l == 1));
}

#[test]
fn frames_that_split_on_a_character_are_not_reported() {
    // Two sure frames read the document number's fourth digit differently; the check digit
    // would pick the right one, but nothing says which frame is right (fail closed).
    let other = [TD3[0], "L898802C36UTO7408122F1204159ZE184226B<<<<<10"];
    let mut t = MrzTracker::new(2);
    assert!(t.push(&frame(&[])).is_none());
    assert!(t.push(&sure_reading(MrzFormat::Td3, &other)).is_none());
    let c = t.consensus().expect("a consensus");
    assert!(!c.valid);
    // A third frame breaks the tie.
    assert_eq!(
        t.push(&frame(&[])).map(|r| r.lines),
        Some(TD3.map(String::from).to_vec())
    );
}

#[test]
fn frames_that_may_run_on_do_not_decide_the_format() {
    // Glare over the line ends of an MRV-A makes frames read as MRV-B: refused one by one as
    // possibly cut. Two of them alone are never reported, and they do not outvote the MRV-A.
    let mut cut = sure_reading(MrzFormat::MrvB, &[&MRVA[0][..36], &MRVA[1][..36]]);
    cut.valid = false;
    cut.may_continue = true;
    let mut t = MrzTracker::new(2);
    assert!(t.push(&cut).is_none());
    assert!(t.push(&cut).is_none(), "only frames that may run on");
    let full = sure_reading(MrzFormat::MrvA, &MRVA);
    assert!(full.valid);
    assert!(t.push(&full).is_none(), "one MRV-A frame");
    assert_eq!(
        t.push(&full).map(|r| r.lines),
        Some(MRVA.map(String::from).to_vec())
    );
    // A frame of the shorter format that read its lines to the end still counts against.
    let mut whole = cut.clone();
    whole.may_continue = false;
    let mut t = MrzTracker::new(1);
    assert!(t.push(&whole).is_some(), "a whole MRV-B frame is an MRV-B");
    assert!(
        t.push(&full).is_none(),
        "one MRV-A frame against one MRV-B frame"
    );
    assert!(t.push(&full).is_some());
}

#[test]
fn faint_cells_count_only_where_no_frame_saw_the_cell_clearly() {
    // One frame saw the surname's (0, 5) faint and misread it, surely, as a filler; another saw
    // it clearly. Counted alike, the two would split the vote and the consensus stay unsure.
    let mut a = frame(&[]);
    a.candidates[0][5] = vec![('<', 0.99)];
    a.faint = vec![(0, 5)];
    let mut t = MrzTracker::new(2);
    assert!(t.push(&a).is_none(), "one frame");
    let got = t
        .push(&frame(&[]))
        .expect("the clear frame decides the cell");
    assert_eq!(got.lines, TD3);
    // Where no frame saw a cell clearly, the faint readings are all there is: they vote.
    let mut only = frame(&[]);
    only.faint = vec![(0, 5)];
    let mut t = MrzTracker::new(2);
    assert!(t.push(&only).is_none());
    let got = t
        .push(&only)
        .expect("two frames, the faint cell read alike");
    assert_eq!(got.lines, TD3);
    assert!(got.washed_out.is_empty());
}
