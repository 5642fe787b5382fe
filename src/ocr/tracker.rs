//! Multi-frame voting for a live camera: accumulate per-position evidence over frames until the check digits agree.

use super::layout::MrzFormat;
use super::{Alternative, MrzReading};
use std::collections::HashMap;

/// Accumulates [`MrzReading`]s of consecutive video frames and votes per character.
///
/// Each frame adds the log-probabilities of its alternatives; a character absent from a frame's
/// alternatives gets a floor. The consensus is reported once its check digits all hold and it has
/// been seen in at least `min_frames` frames (or one frame read it valid with high confidence).
#[derive(Clone, Debug)]
pub struct MrzTracker {
    format: Option<MrzFormat>,
    votes: Vec<Vec<HashMap<char, f32>>>,
    frames: usize,
    min_frames: usize,
}

impl Default for MrzTracker {
    fn default() -> Self {
        MrzTracker::new(2)
    }
}

/// Log-probability credited to characters a frame did not list.
const FLOOR: f32 = -9.0;

impl MrzTracker {
    /// A tracker that needs at least `min_frames` agreeing frames (1 accepts a single valid frame).
    pub fn new(min_frames: usize) -> MrzTracker {
        MrzTracker {
            format: None,
            votes: Vec::new(),
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

    /// Adds one frame's reading; returns the consensus MRZ once it is valid and stable.
    /// A reading of another format restarts the vote (the user switched documents).
    pub fn push(&mut self, reading: &MrzReading) -> Option<MrzReading> {
        if self.format != Some(reading.format) {
            self.reset();
            self.format = Some(reading.format);
            self.votes = reading
                .candidates
                .iter()
                .map(|row| vec![HashMap::new(); row.len()])
                .collect();
        }
        for (vrow, crow) in self.votes.iter_mut().zip(&reading.candidates) {
            for (slot, alts) in vrow.iter_mut().zip(crow) {
                let listed: HashMap<char, f32> = alts
                    .iter()
                    .map(|&(c, p)| (c, p.max(1e-6).ln().max(FLOOR)))
                    .collect();
                let keys: Vec<char> = slot.keys().copied().chain(listed.keys().copied()).collect();
                for k in keys {
                    let add = listed.get(&k).copied().unwrap_or(FLOOR);
                    let prior = if slot.contains_key(&k) {
                        0.0
                    } else {
                        FLOOR * self.frames as f32
                    };
                    *slot.entry(k).or_insert(prior) += add;
                }
            }
        }
        self.frames += 1;
        let consensus = self.consensus()?;
        let strong_single = reading.valid && reading.confidence > 0.97;
        (consensus.valid && (self.frames >= self.min_frames || strong_single)).then_some(consensus)
    }

    /// The current per-position vote as a reading (valid or not), if any frame was added.
    pub fn consensus(&self) -> Option<MrzReading> {
        let format = self.format?;
        let frames = self.frames.max(1) as f32;
        let candidates: Vec<Vec<Vec<Alternative>>> = self
            .votes
            .iter()
            .map(|row| {
                row.iter()
                    .map(|slot| {
                        let mut alts: Vec<Alternative> = slot
                            .iter()
                            .map(|(&c, &s)| (c, (s / frames).exp()))
                            .collect();
                        alts.sort_by(|a, b| b.1.total_cmp(&a.1));
                        alts.truncate(5);
                        alts
                    })
                    .collect()
            })
            .collect();
        Some(super::correct(format, candidates, false))
    }
}
