//! Counting words the same way everywhere: "1 image", "3 images", "1,250 images".

use crate::describe::cost::thousands;

/// `n` and the noun that fits it, with thousands separated: `count(1, "image", "images")`
/// is "1 image", `count(1250, …)` "1,250 images".
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_noun_that_fits() {
        let cases = [(0, "0 images"), (1, "1 image"), (2, "2 images"), (1250, "1,250 images")];
        for (n, want) in cases {
            assert_eq!(count(n, "image", "images"), want);
        }
    }
}
