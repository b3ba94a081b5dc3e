//! The project's own test set (feature `testset`): images drawn here with Debian's DejaVu
//! fonts (the `fonts-dejavu-core` package), each with the exact text it shows in reading
//! order, so the accuracy test and the benchmark (`scripts/bench-ocr.sh`) measure the same
//! thing. Seeded and drawn in memory: the same images everywhere, nothing downloaded.
//!
//! The truth is one drawn line a line, in reading order; compare it with
//! [`crate::metric`], which counts every run of whitespace as one space.

mod draw;
mod pages;
mod photo;
mod words;

use std::path::PathBuf;

use image::RgbImage;

pub use draw::Face;

/// Where `scripts/setup.sh` puts the models, for tests: `models/ppocr-v4` in
/// `PICSCRIBE_DATA_DIR`, else in the repository's `data/`.
pub fn models() -> PathBuf {
    let data = std::env::var("PICSCRIBE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data"));
    data.join("models/ppocr-v4")
}

/// What an image is, which sets how well it must be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An application's window: UI text at 12–40 px on bars and buttons.
    Screenshot,
    /// A scanned page of serif paragraphs, grey paper, turned up to 2°, grain and blur.
    Scan,
    /// A page in two columns, to be read one after the other.
    Columns,
    /// A sign on a noisy photo, turned 8–15° and seen at an angle.
    Sign,
    /// A photo with no text on it.
    NoText,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Screenshot, Kind::Scan, Kind::Columns, Kind::Sign, Kind::NoText];

    /// Its name in file names and tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Screenshot => "screenshot",
            Kind::Scan => "scan",
            Kind::Columns => "columns",
            Kind::Sign => "sign",
            Kind::NoText => "no-text",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether it is one of the clean kinds (the others are hard, or empty).
    pub fn is_clean(self) -> bool {
        matches!(self, Kind::Screenshot | Kind::Scan | Kind::Columns)
    }
}

/// One image of the set and what it says.
pub struct Sample {
    /// Unique in the set, as `kind-n`, for file names.
    pub name: String,
    pub kind: Kind,
    pub image: RgbImage,
    /// The text in reading order, one line a line.
    pub truth: String,
}

/// The faces the set is drawn in: DejaVu's six in `fonts-dejavu-core`.
pub struct Fonts {
    pub sans: Face,
    pub sans_bold: Face,
    pub serif: Face,
    pub serif_bold: Face,
    pub mono: Face,
}

/// Where Debian puts the DejaVu fonts.
pub const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

impl Fonts {
    pub fn load() -> Result<Fonts, String> {
        let face = |file: &str| Face::load(&format!("{FONT_DIR}/{file}"));
        Ok(Fonts {
            sans: face("DejaVuSans.ttf")?,
            sans_bold: face("DejaVuSans-Bold.ttf")?,
            serif: face("DejaVuSerif.ttf")?,
            serif_bold: face("DejaVuSerif-Bold.ttf")?,
            mono: face("DejaVuSansMono.ttf")?,
        })
    }
}

/// The whole set, always the same: three screenshots (light, dark, light), two scans,
/// one two-column page, three signs and two photos with no text.
pub fn samples() -> Result<Vec<Sample>, String> {
    let fonts = Fonts::load()?;
    let mut set = Vec::new();
    let mut add = |kind: Kind, n: usize, (image, truth): (RgbImage, String)| {
        set.push(Sample { name: format!("{}-{n}", kind.name()), kind, image, truth });
    };
    for (n, screen) in words::SCREENS.iter().enumerate() {
        let mut rng = draw::Rng::new(100 + n as u64);
        add(Kind::Screenshot, n + 1, pages::screenshot(&fonts, &mut rng, screen, n == 1));
    }
    for n in 1..=2 {
        add(Kind::Scan, n, pages::scan(&fonts, &mut draw::Rng::new(200 + n as u64)));
    }
    add(Kind::Columns, 1, pages::columns(&fonts, &mut draw::Rng::new(301)));
    for n in 1..=3 {
        add(Kind::Sign, n, photo::sign(&fonts, &mut draw::Rng::new(400 + n as u64)));
    }
    for n in 1..=2 {
        add(Kind::NoText, n, (photo::scene(&mut draw::Rng::new(500 + n as u64)), String::new()));
    }
    Ok(set)
}
