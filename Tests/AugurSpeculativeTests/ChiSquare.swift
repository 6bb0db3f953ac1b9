import Foundation

/// Pearson's chi-square goodness-of-fit test, with the critical value computed from the chi-square
/// CDF: F(x; ν) = P(ν/2, x/2), P the regularized lower incomplete gamma function.
enum ChiSquare {
    /// P(s, x) = γ(s, x) / Γ(s) by its power series
    /// γ(s, x) = x^s e^{−x} Σ_{n≥0} x^n / (s (s+1) … (s+n)), which converges for every x ≥ 0.
    static func regularizedLowerGamma(_ s: Double, _ x: Double) -> Double {
        guard x > 0 else { return 0 }
        var term = 1 / s, sum = term, n = 1.0
        while term > sum * 1e-15 && n < 10_000 {
            term *= x / (s + n)
            sum += term
            n += 1
        }
        return min(1, exp(s * log(x) - x - lgamma(s)) * sum)
    }

    /// The x with P(X > x) = alpha for X ~ χ²(df), by bisection on the CDF.
    static func criticalValue(degreesOfFreedom df: Int, alpha: Double) -> Double {
        var lo = 0.0, hi = Double(df) * 10 + 100
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if 1 - regularizedLowerGamma(Double(df) / 2, mid / 2) > alpha { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    struct Result {
        let statistic: Double
        let degreesOfFreedom: Int
        let critical: Double
        var rejects: Bool { statistic > critical }
    }

    /// Compares observed counts with expected probabilities. Cells whose expected count is below 5 are
    /// pooled into one cell (the usual validity rule); any count in a cell of probability 0 gives an
    /// infinite statistic.
    static func test(observed: [Int], expected probabilities: [Double], alpha: Double = 0.001) -> Result {
        let n = Double(observed.reduce(0, +))
        var stat = 0.0, cells = 0, pooledObserved = 0.0, pooledExpected = 0.0
        for (o, p) in zip(observed, probabilities) {
            let e = p * n
            if p == 0 {
                if o > 0 { stat = .infinity }
            } else if e < 5 {
                pooledObserved += Double(o); pooledExpected += e
            } else {
                stat += (Double(o) - e) * (Double(o) - e) / e
                cells += 1
            }
        }
        if pooledExpected > 0 {
            stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected
            cells += 1
        }
        let df = max(1, cells - 1)
        return Result(statistic: stat, degreesOfFreedom: df, critical: criticalValue(degreesOfFreedom: df, alpha: alpha))
    }
}
