//! Alt text that travels with the image: copies of the original files with the description
//! written into their metadata, where WordPress, Lightroom and DAMs look for it — XMP
//! `dc:description`, IPTC `AltTextAccessibility` / `ExtDescrAccessibility`, and EXIF
//! `ImageDescription`. Only metadata containers change (via img-parts); the compressed
//! image data is copied byte for byte.

use std::io::Write;

use img_parts::jpeg::{markers, Jpeg, JpegSegment};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{WebP, CHUNK_VP8X, CHUNK_XMP};
use img_parts::{Bytes, ImageEXIF};

use super::captions::caption_name;
use super::ExportRow;
use crate::images::{sniff, ImageKind};

const XMP_JPEG_PREFIX: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_PNG_KEYWORD: &[u8] = b"XML:com.adobe.xmp";
/// A JPEG segment holds 65,533 bytes; the texts are cut well before that.
const MAX_TEXT_BYTES: usize = 20_000;
const IMAGE_DESCRIPTION: u16 = 0x010E;

/// Text for XML: the five special characters escaped, and the control characters XML 1.0
/// forbids dropped.
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn cut(text: &str) -> &str {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The properties picscribe writes; an existing packet loses its own copies of these only.
const OURS: [&str; 3] = ["dc:description", "Iptc4xmpCore:AltTextAccessibility", "Iptc4xmpCore:ExtDescrAccessibility"];

/// One `rdf:Description` with the alt text as `dc:description` and
/// `Iptc4xmpCore:AltTextAccessibility`, the longer description (if any) as
/// `Iptc4xmpCore:ExtDescrAccessibility`.
fn description_element(alt: &str, long: Option<&str>) -> String {
    let lang_alt = |tag: &str, text: &str| {
        format!(
            "   <{tag}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></{tag}>\n",
            xml_text(cut(text))
        )
    };
    let mut body = lang_alt(OURS[0], alt);
    body.push_str(&lang_alt(OURS[1], alt));
    if let Some(long) = long.filter(|l| !l.trim().is_empty()) {
        body.push_str(&lang_alt(OURS[2], long));
    }
    format!(
        "  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:Iptc4xmpCore=\"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/\">\n{body}  </rdf:Description>\n"
    )
}

/// A fresh XMP packet holding only what picscribe writes.
pub fn xmp_packet(alt: &str, long: Option<&str>) -> String {
    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"picscribe\">\n \
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n{} </rdf:RDF>\n</x:xmpmeta>\n\
         <?xpacket end=\"w\"?>",
        description_element(alt, long)
    )
}

/// The image's own XMP with the alt text written in: everything it said (creator, rights,
/// keywords…) kept, its own description and alt text replaced. A packet that cannot be
/// read as one RDF document is replaced by a fresh one.
pub fn merge_xmp(existing: Option<&str>, alt: &str, long: Option<&str>) -> String {
    let Some(mut packet) = existing.filter(|p| p.matches("</rdf:RDF>").count() == 1).map(str::to_string) else {
        return xmp_packet(alt, long);
    };
    for tag in OURS {
        while let Some((start, end)) = element_at(&packet, tag) {
            packet.replace_range(start..end, "");
        }
    }
    match packet.find("</rdf:RDF>") {
        Some(at) => {
            packet.insert_str(at, &description_element(alt, long));
            packet
        }
        None => xmp_packet(alt, long),
    }
}

/// Where the first `<tag …>…</tag>` (or `<tag …/>`) is, end included.
fn element_at(xml: &str, tag: &str) -> Option<(usize, usize)> {
    let open = format!("<{tag}");
    let mut from = 0;
    let start = loop {
        let at = from + xml[from..].find(&open)?;
        let next = xml[at + open.len()..].chars().next()?;
        if next == '>' || next == '/' || next.is_whitespace() {
            break at;
        }
        from = at + open.len();
    };
    let head_end = start + xml[start..].find('>')?;
    if xml[..head_end].ends_with('/') {
        return Some((start, head_end + 1));
    }
    let close = format!("</{tag}>");
    let end = head_end + xml[head_end..].find(&close)? + close.len();
    Some((start, end))
}

/// A TIFF (EXIF) block with `ImageDescription` set to `text`. An existing block keeps
/// every entry (orientation, camera, GPS): a new first directory is appended holding its
/// entries plus the description, so no offset inside the old block moves.
pub fn exif_with_description(existing: Option<&[u8]>, text: &str) -> Option<Vec<u8>> {
    let mut value = cut(text).as_bytes().to_vec();
    value.retain(|b| *b != 0);
    value.push(0);
    // A value of four bytes or less sits in the entry itself; a longer one after the
    // directory, at the offset the entry gives.
    let inline = |value: &[u8], big: bool| {
        let mut field = [0u8; 4];
        field[..value.len()].copy_from_slice(value);
        if big {
            u32::from_be_bytes(field)
        } else {
            u32::from_le_bytes(field)
        }
    };
    let fits = value.len() <= 4;
    let Some(old) = existing.filter(|old| old.len() >= 8) else {
        // Little-endian: header, one directory of one entry, no next directory, the text.
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        let offset = if fits { inline(&value, false) } else { 26 };
        tiff.extend(entry(IMAGE_DESCRIPTION, 2, value.len() as u32, offset, false));
        tiff.extend(0u32.to_le_bytes());
        if !fits {
            tiff.extend(value);
        }
        return Some(tiff);
    };
    let big = match &old[..4] {
        b"II*\0" => false,
        b"MM\0*" => true,
        _ => return None,
    };
    let u16_at = |at: usize| {
        old.get(at..at + 2)
            .map(|b| if big { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    };
    let u32_at = |at: usize| {
        old.get(at..at + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    let mut entries: Vec<[u8; 12]> = (0..count)
        .map(|i| old.get(ifd + 2 + i * 12..ifd + 14 + i * 12).and_then(|e| e.try_into().ok()))
        .collect::<Option<_>>()?;
    let next = u32_at(ifd + 2 + count * 12)?;
    entries.retain(|e| u16_at_bytes(e, big) != IMAGE_DESCRIPTION);
    let mut tiff = old.to_vec();
    // Directories start on a word boundary.
    if tiff.len() % 2 == 1 {
        tiff.push(0);
    }
    let start = tiff.len();
    let new_count = entries.len() + 1;
    let value_at = start + 2 + new_count * 12 + 4;
    let offset = if fits { inline(&value, big) } else { value_at as u32 };
    entries.push(entry(IMAGE_DESCRIPTION, 2, value.len() as u32, offset, big));
    entries.sort_by_key(|e| u16_at_bytes(e, big));
    let put16 = |n: u16| if big { n.to_be_bytes() } else { n.to_le_bytes() };
    let put32 = |n: u32| if big { n.to_be_bytes() } else { n.to_le_bytes() };
    tiff.extend(put16(new_count as u16));
    entries.iter().for_each(|e| tiff.extend(e));
    tiff.extend(put32(next));
    if !fits {
        tiff.extend(value);
    }
    tiff[4..8].copy_from_slice(&put32(start as u32));
    Some(tiff)
}

fn u16_at_bytes(entry: &[u8; 12], big: bool) -> u16 {
    if big {
        u16::from_be_bytes([entry[0], entry[1]])
    } else {
        u16::from_le_bytes([entry[0], entry[1]])
    }
}

/// One directory entry; `offset` is the value itself when it fits in four bytes.
fn entry(tag: u16, kind: u16, count: u32, offset: u32, big: bool) -> [u8; 12] {
    let mut e = [0u8; 12];
    let (t, k, c, o) = if big {
        (tag.to_be_bytes(), kind.to_be_bytes(), count.to_be_bytes(), offset.to_be_bytes())
    } else {
        (tag.to_le_bytes(), kind.to_le_bytes(), count.to_le_bytes(), offset.to_le_bytes())
    };
    e[..2].copy_from_slice(&t);
    e[2..4].copy_from_slice(&k);
    e[4..8].copy_from_slice(&c);
    e[8..].copy_from_slice(&o);
    e
}

/// The file with the alt text written in, or why it cannot be.
pub fn embed(original: &[u8], alt: &str, long: Option<&str>) -> Result<Vec<u8>, String> {
    let damaged = |_| "its file structure could not be read".to_string();
    let bytes = Bytes::copy_from_slice(original);
    match sniff(original) {
        Some(ImageKind::Jpeg) => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(damaged)?;
            let exif = exif_with_description(jpeg.exif().as_deref(), alt).ok_or("its EXIF block is damaged")?;
            jpeg.set_exif(Some(exif.into()));
            let is_xmp = |s: &JpegSegment| s.marker() == markers::APP1 && s.contents().starts_with(XMP_JPEG_PREFIX);
            let old = jpeg.segments().iter().find(|s| is_xmp(s)).map(|s| s.contents().slice(XMP_JPEG_PREFIX.len()..));
            let xmp = merge_xmp(old.as_deref().and_then(|b| std::str::from_utf8(b).ok()), alt, long);
            jpeg.segments_mut().retain(|s| !is_xmp(s));
            let after_exif = jpeg.segments().iter().position(|s| s.marker() == markers::APP1).map_or(0, |p| p + 1);
            let contents = [XMP_JPEG_PREFIX, xmp.as_bytes()].concat();
            jpeg.segments_mut().insert(after_exif, JpegSegment::new_with_contents(markers::APP1, contents.into()));
            Ok(jpeg.encoder().bytes().to_vec())
        }
        Some(ImageKind::Png) => {
            let mut png = Png::from_bytes(bytes).map_err(damaged)?;
            let exif = exif_with_description(png.exif().as_deref(), alt).ok_or("its EXIF block is damaged")?;
            png.set_exif(Some(exif.into()));
            let is_xmp = |c: &PngChunk| c.kind() == *b"iTXt" && c.contents().starts_with(XMP_PNG_KEYWORD);
            let old = png.chunks().iter().find(|c| is_xmp(c)).and_then(|c| png_xmp_text(c.contents()));
            let xmp = merge_xmp(old.as_deref(), alt, long);
            png.chunks_mut().retain(|c| !is_xmp(c));
            // keyword, NUL, uncompressed, method 0, no language, no translated keyword, text
            let contents = [XMP_PNG_KEYWORD, b"\0\0\0\0\0", xmp.as_bytes()].concat();
            png.chunks_mut().insert(1, PngChunk::new(*b"iTXt", contents.into()));
            Ok(png.encoder().bytes().to_vec())
        }
        Some(ImageKind::Webp) => {
            let mut webp = WebP::from_bytes(bytes).map_err(damaged)?;
            let exif = exif_with_description(webp.exif().as_deref(), alt).ok_or("its EXIF block is damaged")?;
            let old = webp.chunk_by_id(CHUNK_XMP).and_then(|c| c.content().data()).cloned();
            let xmp = merge_xmp(old.as_deref().and_then(|b| std::str::from_utf8(b).ok()), alt, long);
            webp.remove_chunks_by_id(CHUNK_XMP);
            // Setting EXIF makes the file extended (VP8X) and sets its flags; XMP follows.
            webp.set_exif(Some(exif.into()));
            webp.chunks_mut().push(RiffChunk::new(CHUNK_XMP, RiffContent::Data(xmp.into_bytes().into())));
            let vp8x = webp.chunks_mut().iter_mut().find(|c| c.id() == CHUNK_VP8X);
            match vp8x.map(RiffChunk::content_mut) {
                Some(RiffContent::Data(data)) if !data.is_empty() => {
                    let mut flags = data.to_vec();
                    flags[0] |= 0b0000_0100;
                    *data = flags.into();
                }
                _ => return Err("its size could not be read".into()),
            }
            Ok(webp.encoder().bytes().to_vec())
        }
        Some(ImageKind::Gif) => Err("GIF has no standard place for alt text".into()),
        _ => Err("it is not a JPEG, PNG or WebP".into()),
    }
}

/// The text of an uncompressed XMP `iTXt` chunk: keyword, NUL, compression flag and
/// method, language, NUL, translated keyword, NUL, then the text.
fn png_xmp_text(contents: &[u8]) -> Option<String> {
    let rest = contents.strip_prefix(XMP_PNG_KEYWORD)?.strip_prefix(b"\0")?;
    let (&[compressed, _], rest) = rest.split_first_chunk::<2>()?;
    if compressed != 0 {
        return None;
    }
    let mut parts = rest.splitn(3, |b| *b == 0);
    let (_language, _translated, text) = (parts.next()?, parts.next()?, parts.next()?);
    String::from_utf8(text.to_vec()).ok()
}

/// What went into the zip: the file names written, and the ones skipped with why.
#[derive(Debug, Default, PartialEq)]
pub struct Packed {
    pub written: Vec<String>,
    pub skipped: Vec<(String, String)>,
}

/// A zip of copies of the described images with their alt text written in, under their
/// own names, plus `skipped.txt` saying which were left out and why.
pub fn to_zip(images: &[(ExportRow, Vec<u8>)]) -> Result<(Vec<u8>, Packed), String> {
    let failed = |_| "The images zip could not be written.".to_string();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut packed = Packed::default();
    let mut taken = std::collections::HashSet::new();
    for (row, original) in images {
        let (alt, long) = row.alt_text();
        if alt.trim().is_empty() {
            packed.skipped.push((row.filename.clone(), "it has no description yet".into()));
            continue;
        }
        match embed(original, &alt, long.as_deref()) {
            Ok(bytes) => {
                // The caption rule keeps names unique and safe; the image keeps its extension.
                let txt = caption_name(&row.filename, &mut taken);
                let name = match txt.strip_suffix(".txt") {
                    Some(stem) if stem.ends_with(extension(&row.filename)) => stem.to_string(),
                    Some(stem) => format!("{stem}{}", extension(&row.filename)),
                    None => row.filename.clone(),
                };
                zip.start_file(name.clone(), options).map_err(failed)?;
                zip.write_all(&bytes).map_err(|_| "The images zip could not be written.".to_string())?;
                packed.written.push(name);
            }
            Err(why) => packed.skipped.push((row.filename.clone(), why)),
        }
    }
    if !packed.skipped.is_empty() {
        let list: String = packed.skipped.iter().map(|(name, why)| format!("{name}: skipped, {why}.\n")).collect();
        zip.start_file("skipped.txt", options).map_err(failed)?;
        zip.write_all(list.as_bytes()).map_err(|_| "The images zip could not be written.".to_string())?;
    }
    Ok((zip.finish().map_err(failed)?.into_inner(), packed))
}

fn extension(filename: &str) -> &str {
    filename.rfind('.').filter(|at| *at > 0).map_or("", |at| &filename[at..])
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
