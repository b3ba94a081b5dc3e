//! The command line: `picscribe` (or `picscribe serve`) serves the page;
//! `picscribe describe` describes folders, lists and feeds through the same engine, keeping
//! every result in the data directory as it arrives so that a rerun sends nothing twice.

mod batch;
mod batches;
mod collect;
mod inputs;
mod key_locks;
mod outputs;
mod progress;
mod run;
mod settings;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use self::batches::batches;
pub use self::run::describe;

mod compare;
mod item;

/// picscribe: good text for a pile of images, from a vision model.
#[derive(Debug, Parser)]
#[command(name = "picscribe", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the page (what `picscribe` with no subcommand does).
    Serve,
    /// Describe images: files and folders (recursive), a list of paths or URLs, or a CSV or
    /// JSONL feed. Results are kept in the data directory (PICSCRIBE_DATA_DIR) as they
    /// arrive: stop it at any time and run the same command again to go on; nothing finished
    /// is sent twice. Providers, prices and pace come from the same environment and
    /// picscribe.toml as the server.
    ///
    /// Exit status: 0 when every image has a description (with --no-wait: once the batches
    /// are sent), 1 when some do not (each is listed with its reason), 2 for a usage or
    /// configuration error, 130 when stopped by ctrl-c.
    Describe(Box<DescribeArgs>),
    /// The batches `describe --batch` sent: where they stand, collecting what has finished,
    /// cancelling.
    Batches(BatchesArgs),
}

#[derive(Debug, clap::Args)]
pub struct BatchesArgs {
    #[command(subcommand)]
    pub action: Option<BatchesAction>,
}

#[derive(Debug, Subcommand)]
pub enum BatchesAction {
    /// List pending and finished batches (what `picscribe batches` alone does).
    List,
    /// Take in what finished batches answered, send again what they did not, and write the
    /// outputs (--sidecars, --out, …) each command that sent them asked for.
    Collect,
    /// Cancel a batch; what it already answered is still taken in.
    Cancel {
        /// The provider's batch id, as `picscribe batches` lists it.
        id: String,
    },
}

/// What becomes of images a batch did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fallback {
    /// Send them again in a new batch (at most 3 times).
    Batch,
    /// Describe them one by one, at the interactive price.
    Interactive,
}

/// The page's presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    AltText,
    Product,
    Social,
    ExtractText,
    Tags,
    /// Tags from --analyse-with, then a one-line caption written from them.
    CaptionFromTags,
}

impl Preset {
    /// The page's name for it, as in `describe::PRESETS`.
    pub fn label(self) -> &'static str {
        match self {
            Preset::AltText => "Alt text",
            Preset::Product => "Product description",
            Preset::Social => "Social caption",
            Preset::ExtractText => "Extract text",
            Preset::Tags => "Tags",
            Preset::CaptionFromTags => "Caption from tags",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DetailArg {
    Auto,
    High,
    Low,
}

#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  picscribe describe photos/ --sidecars\n  \
                        picscribe describe --from products.csv --preset product --out products-described.csv\n  \
                        picscribe describe photos/ --estimate\n  \
                        picscribe describe --from feed.csv --batch --no-wait --out described.csv")]
pub struct DescribeArgs {
    /// Image files and folders; folders are walked recursively for JPEG, PNG, GIF, WebP,
    /// BMP and AVIF files (or what --glob names).
    pub paths: Vec<PathBuf>,

    /// Only files whose path inside the folder matches (repeatable), e.g. '*.jpg' or '2024/**'.
    #[arg(long, value_name = "PATTERN")]
    pub glob: Vec<String>,

    /// A list (.txt: paths or URLs, one a line) or a feed (.csv, .jsonl) of images.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// The feed's column of image URLs (found by itself when named like url, image, image_src, Image Src).
    #[arg(long, value_name = "NAME")]
    pub url_column: Option<String>,

    /// The feed's column of image paths (found by itself when named like file or path).
    #[arg(long, value_name = "NAME")]
    pub path_column: Option<String>,

    /// One of the page's prompts.
    #[arg(long, value_enum, conflicts_with = "prompt")]
    pub preset: Option<Preset>,

    /// The prompt; {filename}, {width} and {height} are filled in for each image.
    #[arg(long)]
    pub prompt: Option<String>,

    /// The fields each answer must have, as a TOML file of [[field]] tables
    /// (name, type = text|list|number|yes_no|choice, instruction, choices).
    #[arg(long, value_name = "FILE")]
    pub fields: Option<PathBuf>,

    /// The language of the answers, e.g. German.
    #[arg(long, default_value = "")]
    pub language: String,

    /// A configured provider's id; the default is the first configured.
    #[arg(long)]
    pub provider: Option<String>,

    /// The model; the default is the provider's.
    #[arg(long)]
    pub model: Option<String>,

    /// How much of each image the provider keeps (low is cheapest).
    #[arg(long, value_enum, default_value = "auto")]
    pub detail: DetailArg,

    /// The longest answer, in output tokens; the default is PICSCRIBE_MAX_OUTPUT_TOKENS.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,

    /// How freely the model words its answers, 0 to 2; the default is the provider's.
    /// Anthropic takes at most 1; a model that takes none is asked again without it.
    #[arg(long, value_name = "T", value_parser = temperature)]
    pub temperature: Option<f32>,

    /// Analyse each image first and fill the prompt's {tags}, {caption}, {text} and
    /// {objects} with what was found: azure-vision (Azure AI Vision, or a provider id of
    /// that kind), builtin (the image's shape and main colours, no call) or builtin-text
    /// (the text in the image, read on this machine, into {text}).
    #[arg(long, value_name = "ANALYSER", conflicts_with = "batch")]
    pub analyse_with: Option<String>,

    /// Leave out tags and objects Azure AI Vision is less sure of (0 to 1): from the
    /// prompt's {tags} and {objects} with --analyse-with, and from what is written when it
    /// describes (the stored results keep them all).
    #[arg(long, value_name = "C", default_value_t = engine::describe::analysis::DEFAULT_MIN_CONFIDENCE,
          value_parser = confidence)]
    pub min_confidence: f32,

    /// Describe the photos of one product together, by their names: mug-1.jpg, mug_2.jpg
    /// and mug (3).jpg get one description from all three.
    #[arg(long)]
    pub group_by_name: bool,

    /// With a CSV feed: rows with the same value in this column (e.g. Handle) are one
    /// product, described from all its images; the description goes on its first row.
    #[arg(long, value_name = "COLUMN", conflicts_with = "group_by_name")]
    pub group_column: Option<String>,

    /// Describe with two models (or more) side by side, as provider:model pairs
    /// (openai:gpt-4o-mini,anthropic:claude-haiku-4-5): --out gets one column per model
    /// (JSON: every answer); each is cached on its own.
    #[arg(long, value_name = "PROVIDER:MODEL,…", value_delimiter = ',', requires = "out",
          conflicts_with_all = ["batch", "provider", "model"])]
    pub compare: Vec<String>,

    /// Images described at a time (1 to 16).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parallel: u16,

    /// Write the results to this file: .csv, .json or .jsonl (the page's export formats; a
    /// CSV feed comes back with its own columns and the descriptions added).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Write each description to a .txt beside its image (a.jpg → a.txt).
    #[arg(long)]
    pub sidecars: bool,

    /// Write the .txt files into this folder instead, keeping the images' folders.
    #[arg(long, value_name = "DIR")]
    pub sidecars_dir: Option<PathBuf>,

    /// Write copies of the images with the alt text in their metadata into this folder,
    /// as the page's "Download images with alt text" does.
    #[arg(long, value_name = "DIR")]
    pub write_metadata: Option<PathBuf>,

    /// Print the tokens and the cost the run would take, and call nothing.
    #[arg(long)]
    pub estimate: bool,

    /// Send the images through the provider's batch service: half the price, answered
    /// within 24 hours (Gemini: 48). The run waits unless --no-wait; stop it at any time and
    /// run it again (or `picscribe batches collect`) to collect.
    #[arg(long)]
    pub batch: bool,

    /// With --batch: return once the batches are sent, printing their ids.
    #[arg(long, requires = "batch")]
    pub no_wait: bool,

    /// With --batch: what becomes of images a batch did not answer.
    #[arg(long, value_enum, default_value = "batch", requires = "batch")]
    pub fallback: Fallback,
}

/// `--temperature`: a number from 0 to 2.
fn temperature(text: &str) -> Result<f32, String> {
    match engine::describe::parse_temperature(text) {
        Ok(Some(t)) => Ok(t),
        _ => Err("a number from 0 to 2".into()),
    }
}

/// `--min-confidence`: a number from 0 to 1.
fn confidence(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(c) if (0.0..=1.0).contains(&c) => Ok(c),
        _ => Err("a number from 0 to 1".into()),
    }
}
