/// Exact rounding for scores. Every weighted sum is an integer numerator over an integer
/// denominator, rounded half up, so `round(0.35 × 90)` is 32 (binary floating point says 31).
public enum ExactArithmetic {
    /// `numerator / denominator` rounded half up (toward +∞ at exactly .5). `denominator > 0`.
    public static func roundHalfUp(_ numerator: Int, over denominator: Int) -> Int {
        precondition(denominator > 0)
        let twice = 2 * numerator + denominator
        let d = 2 * denominator
        let q = twice / d
        return (twice % d != 0 && twice < 0) ? q - 1 : q
    }
}
