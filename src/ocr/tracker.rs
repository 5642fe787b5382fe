//! Multi-frame voting for a live camera: accumulate per-position evidence over frames until the check digits agree.

use super::layout::MrzFormat;
use super::{Alternative, MrzReading};
use std::collections::{HashMap, VecDeque};

/// Accumulates [`MrzReading`]s of consecutive video frames and votes per character.
///
/// - **Vote.** Each frame adds the log-probabilities of its alternatives; a character absent from
///   a frame's alternatives gets a floor. A position's consensus probabilities are the
///   per-character geometric means over the frames, normalised over the MRZ alphabet, so one frame
///   in five that misread a cell does not sink the character the others agree on. The vote keeps
///   the latest [`MAX_KEPT`] frames per format.
/// - **Washed-out cells.** A cell the frame reports washed out ([`MrzReading::washed_out`]: no
///   ink, glare) casts no vote, so as the phone moves and the glare with it, every cell is judged
///   by the frames that saw its ink; a cell no frame saw keeps the consensus invalid.
/// - **Misplaced lines.** A frame's line that matches most other frames' lines better one or two
///   pitches over casts no vote (its grid was misplaced, e.g. across a glare gap); two frames
///   whose lines disagree so both cast none on that line.
/// - **Formats.** Votes are kept per format: a frame whose glare hid the end of the lines (read as
///   a shorter format) does not disturb the others. A format is reported only while it holds a
///   strict majority of the frames, not counting other formats' frames that may run on past their
///   end ([`MrzReading::may_continue`]: they may be this format's prefix), and only once at least
///   one of its frames read the lines to their end.
/// - **Report.** The consensus is reported once its check digits all hold, every character is the
///   frames' clear choice (consensus probability at least [`MIN_CONSENSUS`]: two frames that split
///   on a cell leave both characters near 0.5, and the check-digit correction could pick a mix of
///   them that happens to hold), and it has been seen in at least `min_frames` frames, however sure
///   a single frame is: a glare over the line ends of a 2×44 MRZ can make one frame read, surely
///   and validly, as a 2×36 one (an MRV-A's first 36 columns are a valid MRV-B), so with
///   `min_frames` ≥ 2 no single frame is ever reported alone.
///
/// Call [`MrzTracker::reset`] when the user switches documents.
#[derive(Clone, Debug)]
pub struct MrzTracker {
    ballots: Vec<Ballot>,
    /// The format of the last reading pushed (ties in [`MrzTracker::consensus`] go to it).
    last: Option<MrzFormat>,
    frames: usize,
    min_frames: usize,
}

/// The vote of the frames read as one format.
#[derive(Clone, Debug)]
struct Ballot {
    format: MrzFormat,
    /// The last [`MAX_KEPT`] frames read as this format: their alternatives and washed-out cells.
    kept: VecDeque<Vote>,
    frames: usize,
    /// Frames whose reading may run on past its end ([`MrzReading::may_continue`]).
    cut: usize,
}

/// One frame's vote: its alternatives (`[line][col]`), the cells it saw washed out and the faint ones.
type Vote = (
    Vec<Vec<Vec<Alternative>>>,
    Vec<(usize, usize)>,
    Vec<(usize, usize)>,
);

/// Adds one frame's alternatives for a cell to the cell's accumulated log-probabilities.
fn vote(slot: &mut HashMap<char, f32>, voters: &mut usize, alts: &[Alternative]) {
    let listed: HashMap<char, f32> = alts
        .iter()
        .map(|&(ch, p)| (ch, p.max(1e-6).ln().max(FLOOR)))
        .collect();
    let keys: Vec<char> = slot.keys().copied().chain(listed.keys().copied()).collect();
    for k in keys {
        let add = listed.get(&k).copied().unwrap_or(FLOOR);
        let prior = if slot.contains_key(&k) {
            0.0
        } else {
            FLOOR * *voters as f32
        };
        *slot.entry(k).or_insert(prior) += add;
    }
    *voters += 1;
}

/// Frames per format the vote keeps (the latest): bounds the memory and the work per frame of a
/// long video, and lets the vote follow the camera.
pub const MAX_KEPT: usize = 24;

impl Default for MrzTracker {
    fn default() -> Self {
        MrzTracker::new(2)
    }
}

/// Log-probability credited to characters a frame did not list.
const FLOOR: f32 = -9.0;

/// Characters an MRZ position can hold (`A`–`Z`, `0`–`9`, `<`): the normaliser counts the ones no
/// frame listed at [`FLOOR`].
const ALPHABET: usize = 37;

impl MrzTracker {
    /// A tracker that needs at least `min_frames` agreeing frames (1 accepts a single valid frame).
    pub fn new(min_frames: usize) -> MrzTracker {
        MrzTracker {
            ballots: Vec::new(),
            last: None,
            frames: 0,
            min_frames: min_frames.max(1),
        }
    }

    /// Frames accumulated for the current document.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Forgets everything (a new document).
    pub fn reset(&mut self) {
        *self = MrzTracker::new(self.min_frames);
    }

    /// Adds one frame's reading; returns the consensus MRZ of the reading's format once it is valid
    /// and stable.
    pub fn push(&mut self, reading: &MrzReading) -> Option<MrzReading> {
        let at = match self.ballots.iter().position(|b| b.format == reading.format) {
            Some(at) => at,
            None => {
                self.ballots.push(Ballot {
                    format: reading.format,
                    kept: VecDeque::new(),
                    frames: 0,
                    cut: 0,
                });
                self.ballots.len() - 1
            }
        };
        let ballot = self.ballots.get_mut(at)?;
        if ballot.kept.len() >= MAX_KEPT {
            ballot.kept.pop_front();
        }
        ballot.kept.push_back((
            reading.candidates.clone(),
            reading.washed_out.clone(),
            reading.faint.clone(),
        ));
        ballot.frames += 1;
        ballot.cut += usize::from(reading.may_continue);
        let (frames, whole) = (ballot.frames, ballot.frames - ballot.cut);
        self.frames += 1;
        self.last = Some(reading.format);
        // Frames read as another format (a truncated line reads as a shorter, sometimes valid, format)
        // are evidence against this one: it must hold a strict majority of the frames, not counting
        // the other formats' frames that may run on past their end (they may be this format's
        // prefix). Frames that may run on are no evidence for their own format either: at least
        // one frame must have read this format's lines to their end.
        let against: usize = self
            .ballots
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != at)
            .map(|(_, b)| b.frames - b.cut)
            .sum();
        if frames <= against || whole == 0 {
            return None;
        }
        let consensus = self.ballots.get(at)?.consensus();
        (consensus.valid && frames >= self.min_frames).then_some(consensus)
    }

    /// The current per-position vote as a reading (valid or not), if any frame was added: that of the
    /// format most frames were read as (the last frame's format on a tie).
    pub fn consensus(&self) -> Option<MrzReading> {
        self.ballots
            .iter()
            .max_by_key(|b| (b.frames, Some(b.format) == self.last))
            .map(Ballot::consensus)
    }
}

/// A line's best characters, `None` where the frame saw the cell washed out.
fn top_chars(row: &[Vec<Alternative>], l: usize, washed: &[(usize, usize)]) -> Vec<Option<char>> {
    row.iter()
        .enumerate()
        .map(|(c, alts)| {
            (!washed.contains(&(l, c)))
                .then(|| alts.first().map(|a| a.0))
                .flatten()
        })
        .collect()
}

/// Whether line `a` matches line `b` clearly better shifted by one or two pitches than in place:
/// [`MISALIGNED_MARGIN`] more agreeing columns, counting only columns where both have a character
/// and leaving out filler, which agrees under any shift.
fn shifted_against(a: &[Option<char>], b: &[Option<char>]) -> bool {
    let agree = |shift: isize| -> usize {
        a.iter()
            .enumerate()
            .filter(|&(c, &x)| {
                let y = (c as isize + shift)
                    .try_into()
                    .ok()
                    .and_then(|at: usize| b.get(at).copied().flatten());
                matches!((x, y), (Some(x), Some(y)) if x == y && x != '<')
            })
            .count()
    };
    let here = agree(0);
    [-2isize, -1, 1, 2]
        .iter()
        .any(|&s| agree(s) >= here + MISALIGNED_MARGIN)
}

/// Consensus probability every character of a reported reading must reach (two frames that read
/// a cell differently, each surely, leave both characters near 0.5).
pub const MIN_CONSENSUS: f32 = 0.5;

/// Agreeing columns by which a shifted line must beat the unshifted one to count as misaligned.
pub const MISALIGNED_MARGIN: usize = 4;

impl Ballot {
    /// Per position: accumulated log-probability per character, and how many frames voted there.
    ///
    /// A frame's line that is shifted against most of the other frames' (it matches them better one
    /// or two pitches over: a glare gap or a grid shift trial misplaced it) casts no vote, since its
    /// votes would land in the wrong columns; so does every line of two frames that disagree so
    /// (neither can be told right). Cells a frame saw washed out cast no vote either.
    fn slots(&self) -> Vec<Vec<(HashMap<char, f32>, usize)>> {
        let shape: Vec<usize> = self
            .kept
            .back()
            .map(|(rows, _, _)| rows.iter().map(Vec::len).collect())
            .unwrap_or_default();
        let mut slots: Vec<Vec<(HashMap<char, f32>, usize)>> = shape
            .iter()
            .map(|&n| vec![(HashMap::new(), 0); n])
            .collect();
        for (l, vrow) in slots.iter_mut().enumerate() {
            let lines: Vec<Vec<Option<char>>> = self
                .kept
                .iter()
                .map(|(rows, washed, _)| {
                    top_chars(rows.get(l).map_or(&[][..], Vec::as_slice), l, washed)
                })
                .collect();
            // The frames whose line is in place: not shifted against a strict majority of the
            // others (with two frames: against the other; a line is never shifted against itself).
            // Faint cells count only where no frame saw the cell clearly.
            let voting: Vec<&Vote> = self
                .kept
                .iter()
                .zip(&lines)
                .filter(|(_, mine)| {
                    let against = lines
                        .iter()
                        .filter(|other| shifted_against(mine, other))
                        .count();
                    against * 2 < lines.len()
                })
                .map(|(v, _)| v)
                .collect();
            for faint_pass in [false, true] {
                let clear: Vec<bool> = vrow.iter().map(|(_, voters)| *voters > 0).collect();
                for (rows, washed, faint) in &voting {
                    let Some(crow) = rows.get(l) else { continue };
                    for (c, ((slot, voters), alts)) in vrow.iter_mut().zip(crow).enumerate() {
                        let is_faint = faint.contains(&(l, c));
                        if washed.contains(&(l, c))
                            || is_faint != faint_pass
                            || (faint_pass && clear.get(c).copied().unwrap_or(true))
                        {
                            continue;
                        }
                        vote(slot, voters, alts);
                    }
                }
            }
        }
        slots
    }

    fn consensus(&self) -> MrzReading {
        let slots = self.slots();
        let candidates: Vec<Vec<Vec<Alternative>>> = slots
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(slot, voters)| {
                        // Per character the geometric mean of its probability over the frames that
                        // voted, normalised over the alphabet: a frame that misread the cell lowers
                        // the right character only as far as the other frames disagree with it.
                        let n = (*voters).max(1) as f32;
                        let unlisted = ALPHABET.saturating_sub(slot.len()) as f32 * FLOOR.exp();
                        let total = slot.values().map(|&s| (s / n).exp()).sum::<f32>() + unlisted;
                        let mut alts: Vec<Alternative> = slot
                            .iter()
                            .map(|(&c, &s)| (c, (s / n).exp() / total.max(1e-12)))
                            .collect();
                        alts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                        alts.truncate(5);
                        alts
                    })
                    .collect()
            })
            .collect();
        let mut reading = super::correct(self.format, candidates, false);
        // Cells no frame saw ink in stay washed out.
        reading.washed_out = slots
            .iter()
            .enumerate()
            .flat_map(|(l, row)| {
                row.iter()
                    .enumerate()
                    .filter(|(_, (_, voters))| *voters == 0)
                    .map(move |(c, _)| (l, c))
            })
            .collect();
        reading.valid &= reading.washed_out.is_empty();
        // Frames that split on a character leave it near an even chance, and the check-digit
        // correction may then pick a mix of their readings that happens to hold: the consensus
        // is valid only when every character is the frames' clear choice.
        reading.valid &= reading
            .lines
            .iter()
            .zip(&reading.candidates)
            .all(|(line, row)| {
                line.chars().zip(row).all(|(ch, alts)| {
                    alts.iter()
                        .find(|a| a.0 == ch)
                        .is_some_and(|a| a.1 >= MIN_CONSENSUS)
                })
            });
        reading
    }
}

#[cfg(test)]
mod tests {
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
}
