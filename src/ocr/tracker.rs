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
mod tests;
