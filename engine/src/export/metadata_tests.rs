use std::io::Read;

use image::{ImageFormat, RgbaImage};

use super::*;

const ALT: &str = "A blue mug & a \"spoon\" <on> a café table.";
const LONG: &str = "Longer: the mug has a chip on the rim.";

fn picture(format: ImageFormat) -> Vec<u8> {
    let image =
        RgbaImage::from_fn(37, 23, |x, y| image::Rgba([(x * 7) as u8, (y * 11) as u8, ((x + y) * 3) as u8, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => image::DynamicImage::ImageRgba8(image).to_rgb8().write_to(&mut out, format),
        _ => image.write_to(&mut out, format),
    }
    .expect("encodes");
    out.into_inner()
}

fn description_in_exif(file: &[u8]) -> Option<String> {
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(file)).ok()?;
    let field = exif.get_field(exif::Tag::ImageDescription, exif::In::PRIMARY)?;
    match &field.value {
        exif::Value::Ascii(parts) => Some(String::from_utf8_lossy(&parts[0]).into_owned()),
        _ => None,
    }
}

#[test]
fn each_format_carries_the_alt_text_and_keeps_its_pixels() {
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let original = picture(format);
        let written = embed(&original, ALT, Some(LONG)).expect("written");
        let text = String::from_utf8_lossy(&written);
        let escaped = "A blue mug &amp; a &quot;spoon&quot; &lt;on&gt; a café table.";
        assert!(
            text.contains(&format!(
                "<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang=\"x-default\">{escaped}</rdf:li>"
            )),
            "{format:?}"
        );
        assert!(
            text.contains(&format!("<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{escaped}")),
            "{format:?}"
        );
        assert!(text.contains(LONG), "{format:?}");
        assert_eq!(description_in_exif(&written).as_deref(), Some(ALT), "{format:?}");
        let before = image::load_from_memory_with_format(&original, format).expect("decodes").to_rgba8();
        let after = image::load_from_memory_with_format(&written, format).expect("still decodes").to_rgba8();
        assert_eq!(before, after, "{format:?}: same pixels");
        // Written twice, the old metadata is replaced, not piled up.
        let again = embed(&written, "Second", None).expect("rewritten");
        assert_eq!(String::from_utf8_lossy(&again).matches("AltTextAccessibility>").count(), 2, "{format:?}");
        assert!(!String::from_utf8_lossy(&again).contains("ExtDescrAccessibility"), "{format:?}");
        assert_eq!(description_in_exif(&again).as_deref(), Some("Second"), "{format:?}");
    }
}

#[test]
fn the_compressed_image_data_is_copied_byte_for_byte() {
    // JPEG: everything from the frame header on is the original's.
    let jpeg = picture(ImageFormat::Jpeg);
    let written = embed(&jpeg, ALT, None).expect("written");
    let sof = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDB]).expect("quantisation table");
    assert_eq!(&written[sof(&written)..], &jpeg[sof(&jpeg)..]);
    // PNG: the IDAT chunks are the same bytes.
    let png = picture(ImageFormat::Png);
    let written = embed(&png, ALT, None).expect("written");
    let idat = |b: &[u8]| {
        let png = Png::from_bytes(Bytes::copy_from_slice(b)).expect("png");
        png.chunks_by_type(*b"IDAT").map(|c| c.contents().clone()).collect::<Vec<_>>()
    };
    assert_eq!(idat(&written), idat(&png));
    // WebP: the bitstream chunk is the same bytes.
    let webp = picture(ImageFormat::WebP);
    let written = embed(&webp, ALT, None).expect("written");
    let bitstream = |b: &[u8]| {
        let webp = WebP::from_bytes(Bytes::copy_from_slice(b)).expect("webp");
        webp.chunks()
            .iter()
            .filter(|c| matches!(&c.id(), b"VP8L" | b"VP8 "))
            .map(|c| c.content().data().cloned())
            .collect::<Vec<_>>()
    };
    assert_eq!(bitstream(&written), bitstream(&webp));
}

#[test]
fn existing_exif_entries_survive() {
    // A big-endian block with Orientation = 6 (a phone photo held upright).
    let mut tiff = b"MM\0*".to_vec();
    tiff.extend(8u32.to_be_bytes());
    tiff.extend(1u16.to_be_bytes());
    tiff.extend(0x0112u16.to_be_bytes());
    tiff.extend(3u16.to_be_bytes());
    tiff.extend(1u32.to_be_bytes());
    tiff.extend([0, 6, 0, 0]);
    tiff.extend(0u32.to_be_bytes());
    let block = exif_with_description(Some(&tiff), "A photo").expect("written");
    let exif = exif::Reader::new().read_raw(block).expect("reads");
    let orientation = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY).expect("kept");
    assert_eq!(orientation.value.get_uint(0), Some(6));
    assert!(exif.get_field(exif::Tag::ImageDescription, exif::In::PRIMARY).is_some());
    assert_eq!(exif_with_description(Some(b"nonsense"), "x"), None);
    // Short texts sit inside the entry, in both byte orders, and read back exactly.
    for existing in [None, Some(&tiff[..])] {
        for text in ["Cat", "Dogs", "A", ""] {
            let block = exif_with_description(existing, text).expect("written");
            let exif = exif::Reader::new().read_raw(block).expect("reads");
            let field = exif.get_field(exif::Tag::ImageDescription, exif::In::PRIMARY).expect("there");
            let exif::Value::Ascii(parts) = &field.value else { panic!("ASCII") };
            assert_eq!(parts.first().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default(), text);
        }
    }
}

#[test]
fn xml_special_and_control_characters_cannot_break_the_packet() {
    let packet = xmp_packet("a\u{1}b</rdf:li>", None);
    assert!(packet.contains(">ab&lt;/rdf:li&gt;</rdf:li>"));
    assert!(!packet.contains("ExtDescrAccessibility"));
    assert!(packet.starts_with("<?xpacket begin=\"\u{FEFF}\""));
    assert!(packet.ends_with("<?xpacket end=\"w\"?>"));
}

#[test]
fn the_zip_holds_the_written_images_and_says_what_it_skipped() -> Result<(), Box<dyn std::error::Error>> {
    let row =
        |name: &str, text: &str| ExportRow { filename: name.into(), description: text.into(), ..ExportRow::default() };
    let alt = |name: &str| ExportRow {
        filename: name.into(),
        values: serde_json::json!({"alt_text": "Short.", "long_description": LONG}).as_object().cloned(),
        ..ExportRow::default()
    };
    let images = vec![
        (row("mug.jpg", ALT), picture(ImageFormat::Jpeg)),
        (alt("mug.png"), picture(ImageFormat::Png)),
        (row("anim.gif", ALT), b"GIF89a\x01\x00\x01\x00".to_vec()),
        (row("empty.webp", ""), picture(ImageFormat::WebP)),
    ];
    let (bytes, packed) = to_zip(&images)?;
    assert_eq!(packed.written, ["mug.jpg", "mug.png"]);
    assert_eq!(
        packed.skipped,
        [
            ("anim.gif".to_string(), "GIF has no standard place for alt text".to_string()),
            ("empty.webp".into(), "it has no description yet".into())
        ]
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut png = Vec::new();
    archive.by_name("mug.png")?.read_to_end(&mut png)?;
    assert!(String::from_utf8_lossy(&png)
        .contains(&format!("<Iptc4xmpCore:ExtDescrAccessibility><rdf:Alt><rdf:li xml:lang=\"x-default\">{LONG}")));
    assert_eq!(description_in_exif(&png).as_deref(), Some("Short."));
    let mut skipped = String::new();
    archive.by_name("skipped.txt")?.read_to_string(&mut skipped)?;
    assert_eq!(
        skipped,
        "anim.gif: skipped, GIF has no standard place for alt text.\nempty.webp: skipped, it has no description yet.\n"
    );
    Ok(())
}

#[test]
fn an_existing_packet_keeps_everything_but_the_old_description() {
    let camera = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
        <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
        <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
        <dc:creator><rdf:Seq><rdf:li>Ann Photographer</rdf:li></rdf:Seq></dc:creator>\
        <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">IMG_0042</rdf:li></rdf:Alt></dc:description>\
        <dc:descriptionNote/>\
        </rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
    let merged = merge_xmp(Some(camera), ALT, None);
    assert!(merged.contains("<dc:creator><rdf:Seq><rdf:li>Ann Photographer</rdf:li></rdf:Seq></dc:creator>"));
    assert!(merged.contains("<dc:descriptionNote/>"), "a longer tag name is not ours");
    assert!(!merged.contains("IMG_0042"));
    assert_eq!(merged.matches("<dc:description>").count(), 1);
    assert!(merged.ends_with("</x:xmpmeta><?xpacket end=\"w\"?>"));
    // Written again, still one of each.
    let again = merge_xmp(Some(&merged), "Second", Some(LONG));
    assert_eq!(again.matches("<Iptc4xmpCore:AltTextAccessibility>").count(), 1);
    assert_eq!(again.matches("<dc:description>").count(), 1);
    assert!(again.contains("Ann Photographer") && again.contains(LONG));
    // Not one RDF document: replaced by a fresh packet.
    assert_eq!(merge_xmp(Some("garbage"), ALT, None), xmp_packet(ALT, None));
    assert_eq!(merge_xmp(None, ALT, None), xmp_packet(ALT, None));
}

#[test]
fn a_photographers_xmp_survives_in_every_format() {
    let camera =
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
        <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
        <dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">© Ann</rdf:li></rdf:Alt></dc:rights>\
        </rdf:Description></rdf:RDF></x:xmpmeta>";
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let bytes = with_xmp(format, &picture(format), camera);
        assert!(String::from_utf8_lossy(&bytes).contains("© Ann"), "{format:?}: the test file has it");
        let written = embed(&bytes, ALT, None).expect("written again");
        let text = String::from_utf8_lossy(&written);
        assert!(text.contains("© Ann"), "{format:?}: the rights stay");
        assert!(text.contains("AltTextAccessibility"), "{format:?}");
    }
}

/// A file as a camera app leaves it: the picture with `packet` as its XMP.
fn with_xmp(format: ImageFormat, picture: &[u8], packet: &str) -> Vec<u8> {
    let bytes = Bytes::copy_from_slice(picture);
    match format {
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).expect("jpeg");
            let contents = [XMP_JPEG_PREFIX, packet.as_bytes()].concat();
            jpeg.segments_mut().insert(1, JpegSegment::new_with_contents(markers::APP1, contents.into()));
            jpeg.encoder().bytes().to_vec()
        }
        ImageFormat::Png => {
            let mut png = Png::from_bytes(bytes).expect("png");
            let contents = [XMP_PNG_KEYWORD, b"\0\0\0\0\0", packet.as_bytes()].concat();
            png.chunks_mut().insert(1, PngChunk::new(*b"iTXt", contents.into()));
            png.encoder().bytes().to_vec()
        }
        _ => {
            let mut webp = WebP::from_bytes(bytes).expect("webp");
            webp.chunks_mut().push(RiffChunk::new(CHUNK_XMP, RiffContent::Data(packet.as_bytes().to_vec().into())));
            // Recomputes the extended header and its flags.
            webp.set_exif(None);
            webp.encoder().bytes().to_vec()
        }
    }
}
