//! The glob language of suppression resources: small enough to write by hand, and kept apart so
//! its matching rules are in one place.

/// The suppression glob: `*` matches any run of characters (also none), `?` exactly one;
/// everything else matches itself, case-sensitively (ARNs and API ids are case-sensitive).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was and how much text it has swallowed so far: on a mismatch it swallows
    // one more character and matching resumes after it. Linear-ish, and no recursion to blow up.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}
