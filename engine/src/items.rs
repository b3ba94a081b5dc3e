//! Several photos, one description: which images make one item — by name ("Group by
//! name": `mug-1.jpg`, `mug_2.jpg`, `mug (3).jpg` and `mug.jpg` are one mug) or by a feed's
//! id column — and the item's identity for the cache. Pure, for the page and the command.

/// The name a product's photos share: the file name without its extension and without a
/// trailing photo number (`-1`, `_2`, ` (3)`, `4`), in its folder, case aside. A number of
/// three digits or more is a camera's counter, not a photo's place: `IMG_1234.jpg` and
/// `IMG_1235.jpg` stay apart.
pub fn group_name(name: &str) -> String {
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.contains('/') => stem,
        _ => name,
    };
    let numbered = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    let mut base = stem.trim_end();
    if let Some(inner) = base.strip_suffix(')').and_then(|s| s.rsplit_once('(')) {
        if numbered(inner.1) {
            base = inner.0;
        }
    } else {
        let digits = base.len() - base.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if (1..=2).contains(&digits) {
            let before = &base[..base.len() - digits];
            // "mug2" and "mug-2", not "v2" standing for the whole name.
            if before.ends_with([' ', '-', '_']) || before.chars().count() > 2 {
                base = before;
            }
        }
    }
    base.trim_end_matches([' ', '-', '_']).to_ascii_lowercase()
}

/// Groups by key, in the order each key first appears; an empty key stands alone.
pub fn group_by(keys: &[String]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match groups.iter_mut().find(|(k, _)| !key.is_empty() && k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key.clone(), vec![i])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// An item's content hash for its cache key: its photos' hashes in order, so the same
/// photos in another order, or one more, are another call. A single photo keeps its own.
pub fn item_hash<'a>(hashes: impl IntoIterator<Item = &'a str>) -> String {
    hashes.into_iter().collect::<Vec<_>>().join("+")
}

/// The file names of an item as its export row names them: `mug-1.jpg; mug-2.jpg`.
pub fn item_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_of_one_product_share_a_name() {
        let cases = [
            ("mug-1.jpg", "mug"),
            ("mug_2.jpg", "mug"),
            ("mug (3).jpg", "mug"),
            ("Mug.JPG", "mug"),
            ("mug2.png", "mug"),
            ("red-mug-12.webp", "red-mug"),
            ("IMG_1234.jpg", "img_1234"),
            ("DSC01234.jpg", "dsc01234"),
            ("shop/lamp-1.jpg", "shop/lamp"),
            ("v2.jpg", "v2"),
            ("2024.jpg", "2024"),
            ("no-extension", "no-extension"),
        ];
        for (name, want) in cases {
            assert_eq!(group_name(name), want, "{name}");
        }
    }

    #[test]
    fn groups_keep_the_order_they_appear_in() {
        let keys: Vec<String> = ["mug", "lamp", "mug", "", "", "lamp", "mug"].map(String::from).to_vec();
        assert_eq!(group_by(&keys), [vec![0, 2, 6], vec![1, 5], vec![3], vec![4]]);
        assert_eq!(item_hash(["a1", "b2"]), "a1+b2");
        assert_eq!(item_hash(["a1"]), "a1");
        assert_eq!(item_names(["mug-1.jpg", "mug-2.jpg"]), "mug-1.jpg; mug-2.jpg");
    }
}
