//! Multi-frame voting for a live camera: accumulate per-position evidence over frames until the check digits agree.

use super::layout::MrzFormat;
use super::{Alternative, MrzReading};
use std::collections::HashMap;

/// Accumulates [`MrzReading`]s of consecutive video frames and votes per character.
///
/// Each frame adds the log-probabilities of its alternatives; a character absent from a frame's
/// alternatives gets a floor. A position's consensus probabilities are the per-character geometric
/// means over the frames, normalised over the MRZ alphabet, so one frame in five that misread a
/// cell does not sink the character the others agree on (while an even split stays unsure). A cell the frame reports washed out ([`MrzReading::washed_out`]: no ink,
/// glare) casts no vote, so as the phone moves and the glare with it, every cell is judged by the
/// frames that saw its ink; a cell no frame saw has no alternatives and keeps the consensus invalid.
/// Votes are kept per format: a frame whose glare hid the end of the lines (read as a shorter
/// format) does not disturb the others, and a format is reported only while it holds a strict
/// majority of the frames (so such a frame is not reported either, even when it reads valid).
/// Call [`MrzTracker::reset`] when the user switches documents. The consensus (the format with the most frames) is reported
/// once its check digits all hold and it has been seen in at least `min_frames` frames, however sure
/// a single frame is: a glare over the line ends of a 2×44 MRZ can make one frame read, surely and
/// validly, as a 2×36 one (an MRV-A's first 36 columns are a valid MRV-B), so with `min_frames` ≥ 2
/// no single frame is ever reported alone.
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
    /// Per position: accumulated log-probability per character, and how many frames voted there.
    slots: Vec<Vec<(HashMap<char, f32>, usize)>>,
    frames: usize,
}

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
                    slots: reading
                        .candidates
                        .iter()
                        .map(|row| vec![(HashMap::new(), 0); row.len()])
                        .collect(),
                    frames: 0,
                });
                self.ballots.len() - 1
            }
        };
        let ballot = self.ballots.get_mut(at)?;
        for (l, (vrow, crow)) in ballot.slots.iter_mut().zip(&reading.candidates).enumerate() {
            for (c, ((slot, voters), alts)) in vrow.iter_mut().zip(crow).enumerate() {
                if reading.washed_out.contains(&(l, c)) {
                    continue;
                }
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
        }
        ballot.frames += 1;
        let frames = ballot.frames;
        self.frames += 1;
        self.last = Some(reading.format);
        // Frames read as another format (a truncated line reads as a shorter, sometimes valid, format)
        // are evidence against this one: it must hold a strict majority of the frames.
        if frames * 2 <= self.frames {
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

impl Ballot {
    fn consensus(&self) -> MrzReading {
        let candidates: Vec<Vec<Vec<Alternative>>> = self
            .slots
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
        reading.washed_out = self
            .slots
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
}
