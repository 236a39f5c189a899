//! Pieces of SQL text built at run time. Only placeholders are ever built:
//! values are always bound, never written into the text.

/// `$first, $first+1, …`: `count` numbered placeholders, for an `IN (…)`
/// list or a row of a multi-row `VALUES`.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 2), "$4, $5");
        assert_eq!(placeholders(2, 0), "");
    }
}
