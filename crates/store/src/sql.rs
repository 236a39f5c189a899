//! Pieces of SQL text built at run time. Only placeholders are ever built:
//! values are always bound, never written into the text.

/// Placeholders one statement binds at most. SQLite finds each `$n` by
/// walking the statement's list of names, when it parses and again when a
/// value is bound, so a statement's cost grows with the square of its
/// placeholders: at 30,000 that search cost more than the rows it carried.
pub(crate) const MAX_BINDS: usize = 1_000;

/// `$first, $first+1, …`: `count` numbered placeholders, for an `IN (…)`
/// list or a row of a multi-row `VALUES`.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A nullable `f64` to bind (coordinates). sqlx 0.9's `Any` driver hands a
/// NULL `f64` to PostgreSQL as a `real` (its table swaps the two float
/// kinds), so a cached statement first run with a NULL there is prepared
/// for float4 and refuses the next row's double ("incorrect binary data
/// format"). This one sends its NULL as a double.
pub(crate) struct Float8(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Float8 {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl sqlx::Encode<'_, sqlx::Any> for Float8 {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx_core::any::AnyArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        use sqlx_core::any::{AnyTypeInfoKind, AnyValueKind};
        Ok(match self.0 {
            Some(v) => {
                buf.0.push(AnyValueKind::Double(v));
                sqlx::encode::IsNull::No
            }
            // `Real` is what the driver turns into a NULL double.
            None => {
                buf.0.push(AnyValueKind::Null(AnyTypeInfoKind::Real));
                sqlx::encode::IsNull::Yes
            }
        })
    }
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
