//! The clean kinds: screenshots of an application (title, menu, heading, text, form fields
//! and buttons at 12–40 px on coloured bars and buttons), scanned pages of serif
//! paragraphs on grey paper turned a little, and a page set in two columns. Each is drawn
//! line by line, and each line drawn is written down as the truth in reading order.

use image::{Rgb, RgbImage};

use super::draw::{fill, lay_onto, noise, Face, Rng};
use super::words::{Screen, HEADINGS, SENTENCES};
use super::Fonts;

/// What a drawing writes down: its lines in reading order, one a line.
#[derive(Default)]
pub struct Truth(Vec<String>);

impl Truth {
    pub fn line(&mut self, text: &str) {
        self.0.push(text.to_string());
    }

    pub fn text(&self) -> String {
        self.0.join("\n")
    }
}

/// A screen's colours: background, text, muted text, bars, the bars' text.
struct Theme {
    background: Rgb<u8>,
    text: Rgb<u8>,
    muted: Rgb<u8>,
    bar: Rgb<u8>,
    bar_text: Rgb<u8>,
    field: Rgb<u8>,
}

const LIGHT: Theme = Theme {
    background: Rgb([247, 248, 250]),
    text: Rgb([28, 32, 38]),
    muted: Rgb([96, 104, 116]),
    bar: Rgb([38, 70, 140]),
    bar_text: Rgb([255, 255, 255]),
    field: Rgb([255, 255, 255]),
};

const DARK: Theme = Theme {
    background: Rgb([32, 34, 40]),
    text: Rgb([228, 230, 235]),
    muted: Rgb([150, 156, 166]),
    bar: Rgb([20, 21, 25]),
    bar_text: Rgb([210, 214, 222]),
    field: Rgb([48, 51, 60]),
};

/// Buttons' faces and labels: primary, secondary, danger.
const BUTTONS: [(Rgb<u8>, Rgb<u8>); 3] = [
    (Rgb([37, 99, 235]), Rgb([255, 255, 255])),
    (Rgb([222, 226, 232]), Rgb([30, 34, 40])),
    (Rgb([200, 40, 50]), Rgb([255, 255, 255])),
];

/// A 1280 × 800 application window showing `screen`, light or dark.
pub fn screenshot(fonts: &Fonts, rng: &mut Rng, screen: &Screen, dark: bool) -> (RgbImage, String) {
    let theme = if dark { &DARK } else { &LIGHT };
    let (sans, bold) = (&fonts.sans, &fonts.sans_bold);
    let mut image = RgbImage::from_pixel(1280, 800, theme.background);
    let mut truth = Truth::default();
    fill(&mut image, (0, 0), (1280, 40), theme.bar);
    sans.draw(&mut image, screen.title, (16.0, 11.0), 15.0, theme.bar_text);
    truth.line(screen.title);
    let mut x = 24.0;
    for item in screen.menu {
        sans.draw(&mut image, item, (x, 52.0), 14.0, theme.muted);
        x += sans.width(item, 14.0) + 28.0;
    }
    truth.line(&screen.menu.join(" "));
    let heading = rng.range(28.0, 40.0).round();
    bold.draw(&mut image, screen.heading, (48.0, 100.0), heading, theme.text);
    truth.line(screen.heading);
    let mut y = 110.0 + heading * 1.4;
    let body = rng.range(16.0, 20.0).round();
    let body_face = if screen.title.contains("CI") { &fonts.mono } else { sans };
    for line in screen.body {
        body_face.draw(&mut image, line, (48.0, y), body, theme.text);
        truth.line(line);
        y += body * 1.5;
    }
    y += 24.0;
    for (label, value) in screen.fields {
        sans.draw(&mut image, label, (48.0, y), 13.0, theme.muted);
        truth.line(label);
        y += 22.0;
        fill(&mut image, (48, y as u32), (560, (y + 36.0) as u32), theme.field);
        sans.draw(&mut image, value, (60.0, y + 9.0), 16.0, theme.text);
        truth.line(value);
        y += 56.0;
    }
    buttons(&mut image, bold, screen.buttons, y + 8.0);
    truth.line(&screen.buttons.join(" "));
    fill(&mut image, (0, 772), (1280, 800), theme.bar);
    let status = "Connected - last synced 2 minutes ago";
    sans.draw(&mut image, status, (16.0, 780.0), 12.0, theme.bar_text);
    truth.line(status);
    (image, truth.text())
}

/// A row of buttons at `y`, left to right.
fn buttons(image: &mut RgbImage, face: &Face, labels: &[&str], y: f32) {
    let mut x = 48.0;
    for (label, (face_colour, text_colour)) in labels.iter().zip(BUTTONS) {
        let width = face.width(label, 15.0) + 36.0;
        fill(image, (x as u32, y as u32), ((x + width) as u32, (y + 38.0) as u32), face_colour);
        face.draw(image, label, (x + 18.0, y + 10.0), 15.0, text_colour);
        x += width + 16.0;
    }
}

/// Paragraphs of 2 to 4 sentences, `count` of them, the sentences shuffled and each used
/// once before any again.
fn paragraphs(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut deck: Vec<&str> = SENTENCES.to_vec();
    for i in (1..deck.len()).rev() {
        deck.swap(i, rng.below(i + 1));
    }
    let mut next = deck.iter().cycle();
    (0..count)
        .map(|_| {
            let n = 2 + rng.below(3);
            next.by_ref().take(n).copied().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// A scanned page (1000 × 1400): a heading and serif paragraphs at 14–20 px, dark grey on
/// grey paper, turned by up to 2°, with grain and a little blur.
pub fn scan(fonts: &Fonts, rng: &mut Rng) -> (RgbImage, String) {
    let (width, height) = (1000u32, 1400u32);
    let paper = Rgb([226, 224, 218]);
    let ink = Rgb([44, 44, 50]);
    let mut page = RgbImage::from_pixel(width, height, paper);
    let mut truth = Truth::default();
    let heading = *rng.pick(HEADINGS);
    fonts.serif_bold.draw(&mut page, heading, (90.0, 90.0), 28.0, ink);
    truth.line(heading);
    let size = rng.range(14.0, 20.0).round();
    let column = Column { left: 90.0, width: width as f32 - 180.0, top: 150.0, bottom: height as f32 - 100.0 };
    let texts = paragraphs(rng, 8);
    column.set(&mut page, &fonts.serif, size, &texts, ink, &mut truth);
    let angle = rng.range(0.5, 2.0).to_radians() * if rng.below(2) == 0 { -1.0 } else { 1.0 };
    let mut scanned = RgbImage::from_pixel(width, height, paper);
    lay_onto(&mut scanned, &page, turned(width as f32, height as f32, angle));
    noise(&mut scanned, rng, 6.0);
    (image::imageops::blur(&scanned, 0.6), truth.text())
}

/// A page (1000 × 1400) with a heading across it and text set in two columns, the left
/// one filled before the right.
pub fn columns(fonts: &Fonts, rng: &mut Rng) -> (RgbImage, String) {
    let (width, height) = (1000u32, 1400u32);
    let ink = Rgb([24, 24, 28]);
    let mut page = RgbImage::from_pixel(width, height, Rgb([252, 252, 250]));
    let mut truth = Truth::default();
    let heading = *rng.pick(HEADINGS);
    fonts.sans_bold.draw(&mut page, heading, (70.0, 70.0), 30.0, ink);
    truth.line(heading);
    let size = rng.range(15.0, 18.0).round();
    let gutter = 56.0;
    let column_width = (width as f32 - 140.0 - gutter) / 2.0;
    let texts = paragraphs(rng, 24);
    let left = Column { left: 70.0, width: column_width, top: 140.0, bottom: height as f32 - 80.0 };
    let rest = left.set(&mut page, &fonts.sans, size, &texts, ink, &mut truth);
    let right = Column { left: 70.0 + column_width + gutter, ..left };
    right.set(&mut page, &fonts.sans, size, &rest, ink, &mut truth);
    (page, truth.text())
}

/// A column of a page: where its text may go.
#[derive(Clone, Copy)]
struct Column {
    left: f32,
    width: f32,
    top: f32,
    bottom: f32,
}

impl Column {
    /// Sets paragraphs into the column, a line-height apart, until it is full; returns
    /// the text that did not fit (the rest of a paragraph cut, then the others).
    fn set(
        &self,
        page: &mut RgbImage,
        face: &Face,
        size: f32,
        texts: &[String],
        ink: Rgb<u8>,
        truth: &mut Truth,
    ) -> Vec<String> {
        let leading = (size * 1.45).round();
        let mut y = self.top;
        for (n, text) in texts.iter().enumerate() {
            let lines = face.wrap(text, size, self.width);
            for (i, line) in lines.iter().enumerate() {
                if y + leading > self.bottom {
                    let mut rest = vec![lines[i..].join(" ")];
                    rest.extend(texts[n + 1..].iter().cloned());
                    return rest;
                }
                face.draw(page, line, (self.left, y), size, ink);
                truth.line(line);
                y += leading;
            }
            y += leading;
        }
        Vec::new()
    }
}

/// The corners of a `width × height` page turned by `angle` about its middle.
fn turned(width: f32, height: f32, angle: f32) -> [(f32, f32); 4] {
    let (cx, cy) = (width / 2.0, height / 2.0);
    let (sin, cos) = angle.sin_cos();
    [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
        .map(|(x, y)| (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos))
}
