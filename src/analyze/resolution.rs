//! How small a rate an evaluation can resolve: the detection floor of a benchmark of
//! n items, and the arithmetic behind `emerge power` (how many items an evaluation
//! needs to see, bound or detect a given success rate).
//!
//! Everything is exact binomial arithmetic: with n items and true rate p, the number
//! of successes is X ~ Binomial(n, p). Tails are summed in log space from the ratio
//! recurrence of the binomial pmf, so they stay accurate for n up to 2^53 and tiny p.
//!
//! Reference values: tests/reference/resolution_reference.py (scipy.stats.binom brute
//! force over every n, mpmath), resolution_reference.txt.

/// The largest item count any answer may have: 2^53, beyond which `f64` no longer
/// represents every integer.
pub const MAX_ITEMS: u64 = 1 << 53;

/// The rate below which an evaluation of `n` items most likely (probability > 1/2)
/// shows zero successes: `1 − 2^(−1/n)`, the rate at which P(X = 0) = (1 − p)^n = 1/2.
///
/// Computed as `−expm1(−ln 2 / n)`, within an ulp of the exact value (the naive
/// `1 − 2^(−1/n)` loses up to 2e-14 relative at n = 1000 to cancellation). `n` need not
/// be an integer. `None` for n = 0, negative, NaN or infinite `n`.
pub fn detection_floor(n: f64) -> Option<f64> {
    (n.is_finite() && n > 0.0).then(|| -(-std::f64::consts::LN_2 / n).exp_m1())
}

/// A question for `emerge power`: how many items does an evaluation need for a true
/// success rate `rate`?
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerQuery {
    /// The true per-item success rate to plan for, in (0, 1).
    pub rate: f64,
    /// Confidence level of bounds and tests, in (0, 1); the test level is α = 1 − confidence.
    pub confidence: f64,
    /// Required probability of success of the evaluation (seeing a success, rejecting), in (0, 1).
    pub power: f64,
}

/// The answers to a [`PowerQuery`]; every count is a number of items (evaluation examples).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerAnswer {
    /// Smallest n with P(at least one success) = 1 − (1 − rate)^n ≥ power, that is
    /// ⌈ln(1 − power) / ln(1 − rate)⌉.
    pub items_for_one_success: u64,
    /// Smallest n such that zero successes out of n would rule the rate out: the exact
    /// (Clopper–Pearson) one-sided upper `confidence` bound after 0 successes,
    /// 1 − (1 − confidence)^(1/n), is at or below `rate`; equivalently
    /// (1 − rate)^n ≤ 1 − confidence. The generalisation of the rule of three
    /// (n ≈ 3 / rate at 95 %).
    pub items_to_bound_below: u64,
    /// Smallest n at which an exact one-sided binomial test of H0: p ≤ rate/10 at level
    /// α = 1 − confidence rejects with probability ≥ power when the true rate is `rate`.
    ///
    /// Zero itself cannot be the null hypothesis (any nonzero rate can give 0 successes,
    /// so no count would ever reject it at a useful size); a rate ten times smaller than
    /// the one asked about is practically indistinguishable from zero at the scale of the
    /// question, so it stands in for zero.
    ///
    /// The test rejects when X ≥ c(n), c(n) being the smallest count with
    /// P(X ≥ c | n, rate/10) ≤ α. Because c(n) is an integer that steps up with n, the
    /// power P(X ≥ c(n) | n, rate) is a sawtooth in n, not monotone: this is the
    /// *smallest* n whose power reaches the target, and some larger n can fall short
    /// again (just after the critical count steps up). [`explain`] reports the first
    /// such n.
    pub items_to_tell_from_zero: u64,
    /// The critical count c at `items_to_tell_from_zero`: the test rejects "practically
    /// zero" when at least this many items succeed.
    pub critical_successes: u64,
}

/// Why a [`PowerQuery`] has no answer.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum PowerError {
    /// The rate is not strictly between 0 and 1 (or is NaN).
    #[error("the rate must be strictly between 0 and 1, got {0}")]
    Rate(f64),
    /// The confidence is not strictly between 0 and 1 (or is NaN, or is so close to 0
    /// that 1 − confidence rounds to 1).
    #[error("the confidence must be strictly between 0 and 1, got {0}")]
    Confidence(f64),
    /// The power is not strictly between 0 and 1 (or is NaN).
    #[error("the power must be strictly between 0 and 1, got {0}")]
    Power(f64),
    /// Some answer would need more than [`MAX_ITEMS`] items.
    #[error("the rate {0} is too small: the answer would need more than 2^53 items")]
    TooManyItems(f64),
}

/// Answers a [`PowerQuery`]; see the fields of [`PowerAnswer`] for the definitions.
///
/// The "tell from zero" search runs over the critical count rather than over n: for each
/// c = 1, 2, … the n whose critical count is c form a run (M(c−1), M(c)], M(c) being the
/// largest n with P(X ≥ c | n, rate/10) ≤ α (found by doubling and bisection, the tail
/// being increasing in n); within a run the power increases with n, so the first run
/// whose last n reaches the target holds the answer, found again by bisection. About
/// c·log2(n) tail evaluations of O(c) terms each: microseconds even at rate 1e-6.
pub fn power(q: &PowerQuery) -> Result<PowerAnswer, PowerError> {
    let in_unit = |v: f64| v > 0.0 && v < 1.0;
    if !in_unit(q.rate) {
        return Err(PowerError::Rate(q.rate));
    }
    // Below ~1.1e-16, 1 − confidence rounds to 1: a test at level 1, which always rejects.
    if !in_unit(q.confidence) || 1.0 - q.confidence >= 1.0 {
        return Err(PowerError::Confidence(q.confidence));
    }
    if !in_unit(q.power) {
        return Err(PowerError::Power(q.power));
    }
    let too_many = PowerError::TooManyItems(q.rate);
    let alpha = 1.0 - q.confidence;
    let items_for_one_success = smallest_n_with_zero_prob_at_most(q.rate, 1.0 - q.power).ok_or(too_many)?;
    let items_to_bound_below = smallest_n_with_zero_prob_at_most(q.rate, alpha).ok_or(too_many)?;
    let (items_to_tell_from_zero, critical_successes) =
        tell_from_zero(q.rate, alpha, q.power).ok_or(too_many)?;
    Ok(PowerAnswer {
        items_for_one_success,
        items_to_bound_below,
        items_to_tell_from_zero,
        critical_successes,
    })
}

/// Smallest n ≥ 1 with (1 − p)^n ≤ target, decided as n·ln(1 − p) ≤ ln(target).
fn smallest_n_with_zero_prob_at_most(p: f64, target: f64) -> Option<u64> {
    let (per_item, goal) = ((-p).ln_1p(), target.ln());
    let holds = |n: f64| n * per_item <= goal;
    let mut n = (goal / per_item).ceil().max(1.0);
    if n > MAX_ITEMS as f64 {
        return None;
    }
    // The quotient can be off by an ulp; settle the integer on the inequality itself.
    if n > 1.0 && holds(n - 1.0) {
        n -= 1.0;
    } else if !holds(n) {
        n += 1.0;
    }
    // n is a whole number in [1, 2^53 + 1].
    (n <= MAX_ITEMS as f64).then_some(n as u64)
}

/// The null rate standing in for zero: ten times smaller than the rate asked about.
fn null_rate(rate: f64) -> f64 {
    rate / 10.0
}

/// `(n, c)`: the smallest n whose exact test of p ≤ rate/10 at level `alpha` rejects
/// with probability ≥ `target` at the true `rate`, and its critical count.
fn tell_from_zero(rate: f64, alpha: f64, target: f64) -> Option<(u64, u64)> {
    let p0 = null_rate(rate);
    let mut prev_last = 0u64; // M(c − 1); M(0) counts as 0 since n starts at 1.
    for c in 1..=MAX_ITEMS {
        let last = last_n_with_critical_at_most(p0, alpha, c, prev_last)?;
        if last > prev_last && upper_tail(last, rate, c) >= target {
            // Power increases with n on (prev_last, last]: bisect for the first hit.
            let (mut lo, mut hi) = (prev_last, last); // power(lo) < target (or lo out of run), power(hi) ≥ target
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if upper_tail(mid, rate, c) >= target {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return Some((hi, c));
        }
        prev_last = prev_last.max(last);
    }
    None
}

/// M(c): the largest n with P(X ≥ c | n, p0) ≤ alpha, i.e. the last n whose critical
/// count is at most c; `start` is a known n satisfying it (M(c − 1)). `None` above
/// [`MAX_ITEMS`].
fn last_n_with_critical_at_most(p0: f64, alpha: f64, c: u64, start: u64) -> Option<u64> {
    if c == 0 {
        return None; // P(X ≥ 0) = 1 > alpha for every n.
    }
    let ok = |n: u64| upper_tail(n, p0, c) <= alpha;
    // Every n < c satisfies it (the tail is 0).
    let mut lo = start.max(c - 1);
    let mut step = lo.max(1);
    let mut hi = loop {
        let probe = lo.checked_add(step).filter(|&n| n <= MAX_ITEMS)?;
        if !ok(probe) {
            break probe;
        }
        lo = probe;
        step = step.saturating_mul(2);
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// The critical count at n: the smallest c with P(X ≥ c | n, p0) ≤ alpha.
fn critical_count(n: u64, p0: f64, alpha: f64) -> u64 {
    let mut c = (n as f64 * p0).floor() as u64;
    // P(X ≥ c) ≥ about 1/2 > alpha at c ≤ mean unless alpha is large: walk down, then up.
    while c > 0 && upper_tail(n, p0, c - 1) <= alpha {
        c -= 1;
    }
    while upper_tail(n, p0, c) > alpha {
        c += 1;
    }
    c
}

/// P(X ≥ c) for X ~ Binomial(n, p), 0 < p < 1.
///
/// ln pmf(k) from ln pmf(0) = n·ln(1 − p) and the ratio
/// pmf(k+1)/pmf(k) = (n − k)/(k + 1) · p/(1 − p). When c is at most the mean the
/// complement 1 − P(X < c) is summed (c terms, no cancellation since P(X ≥ c) is then
/// about 1/2 or more); otherwise the decreasing terms from c on are summed until they
/// no longer change the sum.
fn upper_tail(n: u64, p: f64, c: u64) -> f64 {
    if c == 0 {
        return 1.0;
    }
    if c > n {
        return 0.0;
    }
    let nf = n as f64;
    let ln_q = (-p).ln_1p();
    let ln_odds = p.ln() - ln_q;
    let ln_ratio = |k: u64| ((nf - k as f64) / (k as f64 + 1.0)).ln() + ln_odds;
    let mut ln_pmf = nf * ln_q; // k = 0
    if (c as f64) <= nf * p {
        // 1 − Σ_{k<c} pmf(k), accumulated relative to the running maximum term.
        let (mut max, mut sum) = (ln_pmf, 1.0f64);
        for k in 1..c {
            ln_pmf += ln_ratio(k - 1);
            if ln_pmf > max {
                sum = sum * (max - ln_pmf).exp() + 1.0;
                max = ln_pmf;
            } else {
                sum += (ln_pmf - max).exp();
            }
        }
        let ln_lower = max + sum.ln();
        (-ln_lower.exp_m1()).clamp(0.0, 1.0)
    } else {
        for k in 0..c {
            ln_pmf += ln_ratio(k);
        }
        // Terms from c on are non-increasing (c is past the mode).
        let odds = ln_odds.exp();
        let (first, mut sum, mut rel) = (ln_pmf, 1.0f64, 1.0f64);
        let mut k = c;
        while k < n {
            rel *= ((nf - k as f64) / (k as f64 + 1.0)) * odds;
            k += 1;
            sum += rel;
            if rel <= sum * 1e-17 {
                break;
            }
        }
        (first + sum.ln()).exp().clamp(0.0, 1.0)
    }
}

/// The first n after the answer, up to twice it, at which the power of the "tell from
/// zero" test falls below the target again, with that power; `None` if there is none.
/// Only the first n of each run of a critical count can be a dip (power rises within a
/// run), so the runs' starts are checked.
fn first_dip(q: &PowerQuery, a: &PowerAnswer) -> Option<(u64, f64)> {
    let (p0, alpha) = (null_rate(q.rate), 1.0 - q.confidence);
    let limit = a.items_to_tell_from_zero.saturating_mul(2);
    let mut c = a.critical_successes;
    let mut last = last_n_with_critical_at_most(p0, alpha, c, a.items_to_tell_from_zero)?;
    while last < limit {
        let n = last + 1;
        c = critical_count(n, p0, alpha);
        let pw = upper_tail(n, q.rate, c);
        if pw < q.power {
            return Some((n, pw));
        }
        last = last_n_with_critical_at_most(p0, alpha, c, n)?;
    }
    None
}

/// Plain-text explanation of the exact binomial reasoning behind `a`, with the numbers
/// filled in (several lines, each ending in a newline; printed verbatim by `emerge power`).
///
/// `a` must be `power(q)`'s answer: the text recomputes the test's size and power at
/// `a.items_to_tell_from_zero` and the first n past it at which the power dips again.
/// If `q` is invalid the text is the error message; if `a` is not `power(q)`'s answer
/// the text says so (rather than explaining numbers it cannot vouch for).
pub fn explain(q: &PowerQuery, a: &PowerAnswer) -> String {
    match power(q) {
        Err(e) => return format!("{e}\n"),
        Ok(fresh) if fresh != *a => {
            return format!("no explanation: {a:?} is not the answer to {q:?}, which is {fresh:?}\n")
        }
        Ok(_) => {}
    }
    let (p, conf, pw) = (q.rate, q.confidence, q.power);
    let alpha = 1.0 - conf;
    let p0 = null_rate(p);
    let pct = |v: f64| format!("{}%", fmt4(100.0 * v));
    let num = fmt4;
    let (one, bound, n0, c) =
        (a.items_for_one_success, a.items_to_bound_below, a.items_to_tell_from_zero, a.critical_successes);
    let succeed = if c == 1 { "succeeds" } else { "succeed" };
    let (rp, rc, rpw, ra, rp0) = (num(p), pct(conf), num(pw), num(alpha), num(p0));
    let mut lines = vec![
        format!("Planning for a true success rate of {rp} per item, confidence {rc}, power {}.", pct(pw)),
        "With n items the number of successes X is Binomial(n, p), and P(X = 0) = (1 - p)^n.".to_string(),
        String::new(),
        format!("1. See at least one success with probability >= {}: {one} items.", pct(pw)),
        format!(
            "   The smallest n with 1 - (1 - {rp})^n >= {rpw}, i.e. n >= ln(1 - {rpw}) / ln(1 - {rp}) = {:.1}.",
            (1.0 - pw).ln() / (-p).ln_1p()
        ),
        String::new(),
        format!("2. Rule the rate out if nothing succeeds: {bound} items."),
        format!("   After 0 successes in n items, the exact one-sided {rc} upper bound on the rate is"),
        format!("   1 - {ra}^(1/n). It is at most {rp} once (1 - {rp})^n <= {ra},"),
        format!(
            "   i.e. n >= ln({ra}) / ln(1 - {rp}) = {:.1}. (At 95% this is the rule of three: n ~ 3/p.)",
            alpha.ln() / (-p).ln_1p()
        ),
        String::new(),
        format!("3. Tell the rate from zero: {n0} items, calling it nonzero when at least {c} {succeed}."),
        "   A rate of exactly zero cannot be tested against (every nonzero rate can also give".to_string(),
        format!("   0 successes), so the null hypothesis is a rate ten times smaller, p0 = {rp0}: at the"),
        "   scale of the question, a rate that small is practically indistinguishable from zero.".to_string(),
        format!("   The exact one-sided binomial test of p <= {rp0} at level {ra} rejects when X >= {c}:"),
        format!(
            "   P(X >= {c} | n = {n0}, p = {rp0}) = {} <= {ra}. If the true rate is {rp}, it rejects",
            num(upper_tail(n0, p0, c))
        ),
        format!("   with probability P(X >= {c} | n = {n0}, p = {rp}) = {} >= {rpw}.", num(upper_tail(n0, p, c))),
        format!("   {n0} is the smallest n with that power. The critical count is a whole number that"),
    ];
    match first_dip(q, a) {
        Some((n, dip)) => lines.extend([
            "   steps up with n, so power is a sawtooth in n, not monotone: it falls back to".to_string(),
            format!("   {} at n = {n} (critical count {}).", num(dip), critical_count(n, p0, alpha)),
            "   Check the power at the exact n you plan to use.".to_string(),
        ]),
        None => lines.extend([
            "   steps up with n, so power is a sawtooth in n, not monotone; here it stays".to_string(),
            format!("   >= {rpw} for every n up to {}.", n0.saturating_mul(2)),
        ]),
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// `v` with 4 significant digits for display, without trailing zeros: fixed notation
/// from 1e-4 up, scientific below (`1.5e-5`).
fn fmt4(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return v.to_string();
    }
    let trim = |s: &str| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if v.abs() < 1e-4 {
        let s = format!("{v:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{exp}", trim(mantissa))
    } else {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

#[cfg(test)]
mod tests {
    //! Reference values: tests/reference/resolution_reference.py (scipy 1.17.1 brute force
    //! over every n, mpmath 1.4.1), pasted verbatim from resolution_reference.txt.
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    fn query(rate: f64, confidence: f64, power: f64) -> PowerQuery {
        PowerQuery { rate, confidence, power }
    }

    /// Keys `floor:n=*` (mpmath, 50 digits). The values given with the first spec,
    /// 0.006907504562964073 (n = 100) and 0.0006929070095474943 (n = 1000), were the naive
    /// float 1 − 2^(−1/n), off by 3.7e-15 and 2.3e-14 relative.
    #[test]
    fn detection_floor_matches_mpmath() {
        for (n, want) in [
            (1.0, 0.5),
            (2.0, 0.29289321881345248),
            (10.0, 0.06696700846319259),
            (100.0, 0.0069075045629640982),
            (1000.0, 0.00069290700954747803),
            (1e6, 6.9314694033349381e-07),
        ] {
            assert_relative_eq!(detection_floor(n).unwrap(), want, max_relative = 4e-16);
        }
        for n in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(detection_floor(n), None);
        }
    }

    /// (rate, confidence, power, one, bound, zero, crit, null_tail, power_at, dip, dip_power):
    /// keys `one:`, `bound:`, `zero:`, `crit:`, `null_tail:`, `power_at:`, `dip:`, `dip_power:`.
    type ScipyRow = (f64, f64, f64, u64, u64, u64, u64, f64, f64, u64, f64);

    #[rustfmt::skip]
    const SCIPY: [ScipyRow; 6] = [
        (0.011, 0.95, 0.8, 146, 271, 272, 2, 0.036673055349194933, 0.80130488020314139, 324, 0.69238374785668155),
        (0.05, 0.95, 0.8, 32, 59, 59, 2, 0.035441897498801472, 0.80091721213394718, 72, 0.70450971619604819),
        (0.001, 0.99, 0.9, 2302, 4603, 6679, 4, 0.0048865451042317673, 0.90000359750061043, 0, f64::NAN),
        (0.0001, 0.95, 0.8, 16094, 29956, 29943, 2, 0.036808940012297314, 0.80001369926968546, 35537, 0.68898495629087853),
        (0.0001, 0.99, 0.99, 46050, 46050, 116043, 5, 0.0067625306536009669, 0.99000037684572839, 127912, 0.98771130055881173),
        (0.3, 0.9, 0.5, 2, 7, 2, 1, 0.0591, 0.51000000000000001, 4, 0.34829999999999994),
    ];

    /// The first three rows are the values given with the spec (from an earlier independent
    /// computation); scipy confirms every one of them.
    #[test]
    fn power_matches_scipy_brute_force() {
        for (rate, conf, pw, one, bound, zero, crit, null_tail, power_at, dip, dip_power) in SCIPY {
            let q = query(rate, conf, pw);
            let a = power(&q).unwrap();
            let want = PowerAnswer {
                items_for_one_success: one,
                items_to_bound_below: bound,
                items_to_tell_from_zero: zero,
                critical_successes: crit,
            };
            assert_eq!(a, want, "{q:?}");
            assert_relative_eq!(upper_tail(zero, rate / 10.0, crit), null_tail, max_relative = 1e-12);
            assert_relative_eq!(upper_tail(zero, rate, crit), power_at, max_relative = 1e-12);
            match first_dip(&q, &a) {
                Some((n, p)) => {
                    assert_eq!(n, dip, "{q:?}");
                    assert_relative_eq!(p, dip_power, max_relative = 1e-12);
                }
                None => assert_eq!(dip, 0, "{q:?}"),
            }
        }
    }

    /// Keys `tail:n=*:p=*:c=*` (scipy.stats.binom.sf(c − 1, n, p)).
    #[test]
    fn upper_tail_matches_scipy() {
        for (n, p, c, want) in [
            (272, 0.0011, 2, 0.036673055349194933),
            (272, 0.011, 2, 0.80130488020314139),
            (6679, 0.0001, 4, 0.0048865451042317673),
            (6679, 0.001, 4, 0.90000359750061043),
            (1000, 0.5, 520, 0.10872414660207075),
            (1000, 0.5, 480, 0.90261683576911744),
            (1_000_000, 1e-5, 20, 0.0034541740304948449),
            (1_000_000, 1e-4, 80, 0.98255304351688821),
            (50, 0.02, 0, 1.0),
            (50, 0.02, 51, 0.0),
            (50, 0.9, 50, 0.0051537752073201179),
        ] {
            assert_relative_eq!(upper_tail(n, p, c), want, max_relative = 1e-12);
        }
    }

    /// The search over critical counts agrees with scanning every n from 1: nothing smaller
    /// reaches the target, and the answer's critical count is the smallest valid one.
    fn check_against_scan(q: &PowerQuery, a: &PowerAnswer) -> Result<(), TestCaseError> {
        let (p0, alpha) = (q.rate / 10.0, 1.0 - q.confidence);
        let (n, c) = (a.items_to_tell_from_zero, a.critical_successes);
        prop_assert_eq!(critical_count(n, p0, alpha), c);
        prop_assert!(upper_tail(n, q.rate, c) >= q.power);
        for m in 1..n {
            let cm = critical_count(m, p0, alpha);
            prop_assert!(upper_tail(m, q.rate, cm) < q.power, "n = {} already has power at {:?}", m, q);
        }
        let one = a.items_for_one_success as f64;
        prop_assert!(one * (-q.rate).ln_1p() <= (1.0 - q.power).ln());
        prop_assert!(one == 1.0 || (one - 1.0) * (-q.rate).ln_1p() > (1.0 - q.power).ln());
        let bound = a.items_to_bound_below as f64;
        prop_assert!(bound * (-q.rate).ln_1p() <= alpha.ln());
        prop_assert!(bound == 1.0 || (bound - 1.0) * (-q.rate).ln_1p() > alpha.ln());
        Ok(())
    }

    #[test]
    fn scipy_rows_agree_with_a_full_scan() {
        for (rate, conf, pw, ..) in SCIPY.into_iter().take(3) {
            let q = query(rate, conf, pw);
            check_against_scan(&q, &power(&q).unwrap()).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn search_agrees_with_a_full_scan(
            log_rate in -3.0f64..-0.01,
            confidence in 0.5f64..0.999,
            pw in 0.05f64..0.999,
        ) {
            let q = query(10f64.powf(log_rate), confidence, pw);
            check_against_scan(&q, &power(&q).unwrap())?;
        }

        #[test]
        fn never_panics(rate in proptest::num::f64::ANY, conf in proptest::num::f64::ANY, pw in proptest::num::f64::ANY) {
            let q = query(rate, conf, pw);
            if let Ok(a) = power(&q) {
                prop_assert!(a.items_for_one_success >= 1 && a.items_to_tell_from_zero >= 1);
                prop_assert!(!explain(&q, &a).is_empty());
            }
        }

        #[test]
        /// Down to rate 1e-12 at any confidence ≥ 1 % (smaller rates at tiny confidence
        /// can need more than 2^53 items: an error, tested below).
        fn valid_queries_always_answer(log_rate in -12.0f64..-1e-9, conf in 0.01f64..0.999_999, pw in 1e-9f64..0.999_999) {
            let q = query(10f64.powf(log_rate), conf, pw);
            let a = power(&q).unwrap();
            prop_assert!(a.critical_successes >= 1 && a.items_to_tell_from_zero <= MAX_ITEMS);
        }
    }

    #[test]
    fn invalid_queries_are_errors() {
        let nan = f64::NAN;
        for rate in [0.0, 1.0, -0.1, 1.5, nan, f64::INFINITY] {
            assert!(matches!(power(&query(rate, 0.95, 0.8)), Err(PowerError::Rate(_))), "{rate}");
        }
        for conf in [0.0, 1.0, nan, 95.0, 1e-300] {
            assert!(matches!(power(&query(0.1, conf, 0.8)), Err(PowerError::Confidence(_))), "{conf}");
        }
        for pw in [0.0, 1.0, nan, -0.8] {
            assert!(matches!(power(&query(0.1, 0.95, pw)), Err(PowerError::Power(_))), "{pw}");
        }
        assert_eq!(power(&query(1e-17, 0.95, 0.8)), Err(PowerError::TooManyItems(1e-17)));
        assert!(power(&query(1e-300, 0.95, 0.8)).is_err());
        assert!(PowerError::Rate(2.0).to_string().contains("between 0 and 1"));
    }

    /// Tiny rates stay fast (the brief: rate 1e-4, n up to ~10^6, well under a second in
    /// release). Measured in release: 5–30 µs per query, including rate 1e-6 at 99.9%/99.9%
    /// (n = 19,626,172) and rate 1e-12 (n ≈ 3·10^12).
    #[test]
    fn tiny_rates_are_fast() {
        let start = std::time::Instant::now();
        let a = power(&query(1e-6, 0.999, 0.999)).unwrap();
        assert_eq!((a.items_to_tell_from_zero, a.critical_successes), (19_626_172, 8));
        assert!(power(&query(1e-12, 0.95, 0.8)).is_ok());
        // Extremes of the open unit interval.
        let top = 1.0 - f64::EPSILON / 2.0;
        for (rate, conf, pw) in [(0.5, top, top), (top, 0.5, 0.5), (1e-9, top, top), (0.5, 1e-15, 1e-300)] {
            let q = query(rate, conf, pw);
            let a = power(&q).unwrap();
            assert!(!explain(&q, &a).is_empty());
        }
        assert!(start.elapsed().as_secs_f64() < 1.0, "{:?}", start.elapsed());
    }

    #[test]
    fn explain_fills_in_the_numbers() {
        let q = query(0.011, 0.95, 0.8);
        let a = power(&q).unwrap();
        let text = explain(&q, &a);
        for needle in [
            "146 items",
            "271 items",
            "272 items, calling it nonzero when at least 2 succeed",
            "p0 = 0.0011",
            "practically indistinguishable from zero",
            "= 0.03667 <= 0.05",
            "= 0.8013 >= 0.8",
            "smallest n",
            "sawtooth",
            "0.6924 at n = 324 (critical count 3)",
            "= 145.5",
            "= 270.8",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert!(text.lines().count() >= 10 && text.ends_with('\n'));
        // No dip within 2n: says so.
        let q = query(0.001, 0.99, 0.9);
        assert!(explain(&q, &power(&q).unwrap()).contains("stays\n   >= 0.9 for every n up to 13358"));
        // A mismatched answer or an invalid query is not explained.
        let wrong = PowerAnswer { critical_successes: u64::MAX, ..a };
        assert!(explain(&q, &wrong).starts_with("no explanation"));
        assert!(explain(&query(2.0, 0.95, 0.8), &a).contains("rate must be"));
    }

    #[test]
    fn fmt4_is_short() {
        assert_eq!(fmt4(0.0011), "0.0011");
        assert_eq!(fmt4(0.0010999999999999998), "0.0011");
        assert_eq!(fmt4(95.0), "95");
        assert_eq!(fmt4(0.036673055349194933), "0.03667");
        assert_eq!(fmt4(1e-6), "1e-6");
        assert_eq!(fmt4(1.5e-5), "1.5e-5");
        assert_eq!(fmt4(123456.7), "123457");
        assert_eq!(fmt4(0.0), "0");
    }
}
