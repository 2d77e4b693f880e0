//! Words for messages: counts with their noun, lists of names.

/// "1 agent", "2 agents".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "`A`", "`A` and `B`", "`A`, `B` and `C`"; long lists end "… and 97 more".
pub fn names(list: &[&str]) -> String {
    const SHOWN: usize = 6;
    let quoted: Vec<String> = list.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match list.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n if n <= SHOWN => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!("{} and {} more", quoted.join(", "), n - SHOWN),
    }
}
