//! Money helpers: rounding half away from zero (stated explicitly: `round_dp` alone is banker's
//! rounding), display with two places, and splitting an amount into cent shares that add up.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents, half away from zero.
pub fn round2(d: Decimal) -> Decimal {
    round_dp(d, 2)
}

/// Rounds to `dp` places, half away from zero: the one rounding rule of every number the
/// report shows (money, shares, days per 30). `Decimal::round_dp` alone rounds half to even.
pub fn round_dp(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// `123.40`-style text, rounded half away from zero.
pub fn fmt2(d: Decimal) -> String {
    format!("{:.2}", round2(d))
}

/// Text for an optional amount: the amount, or "unknown".
pub fn fmt_opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "unknown".to_string(), fmt2)
}

/// Splits `total` into `n` shares of whole cents that add up to `total` rounded to cents;
/// the first shares take the spare cents (largest remainder, ties to the first).
pub fn split_cents(total: Decimal, n: usize) -> Vec<Decimal> {
    if n == 0 {
        return Vec::new();
    }
    let cents = round2(total) * Decimal::ONE_HUNDRED;
    let n_dec = Decimal::from(n as u64);
    let base = (cents / n_dec).floor();
    let spare = cents - base * n_dec;
    let spare = usize::try_from(spare.mantissa()).unwrap_or(0) / 10usize.pow(spare.scale());
    (0..n)
        .map(|i| {
            let c = if i < spare { base + Decimal::ONE } else { base };
            c / Decimal::ONE_HUNDRED
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let cases = [
            ("0.005", "0.01"),
            ("0.015", "0.02"),
            ("0.025", "0.03"), // banker's rounding would give 0.02
            ("-0.025", "-0.03"),
            ("1.004", "1.00"),
            ("105", "105.00"),
        ];
        for (input, want) in cases {
            assert_eq!(fmt2(d(input)), want, "{input}");
        }
    }

    #[test]
    fn cent_shares_add_up() {
        let cases = [
            ("85.00", 3, vec!["28.34", "28.33", "28.33"]),
            ("100.00", 4, vec!["25.00", "25.00", "25.00", "25.00"]),
            ("0.01", 2, vec!["0.01", "0.00"]),
            ("10", 1, vec!["10.00"]),
        ];
        for (total, n, want) in cases {
            let shares = split_cents(d(total), n);
            let got: Vec<String> = shares.iter().map(|s| fmt2(*s)).collect();
            assert_eq!(got, want, "{total}/{n}");
            assert_eq!(shares.iter().copied().sum::<Decimal>(), round2(d(total)));
        }
        assert!(split_cents(d("5"), 0).is_empty());
    }
}
