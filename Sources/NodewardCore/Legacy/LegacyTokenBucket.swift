/// A per-minute token bucket on trace time, in exact integer arithmetic.
///
/// Capacity is `perMinute` whole tokens; it refills continuously at `perMinute` tokens per 60 s. The level
/// is kept as whole tokens plus a remainder in units of 1/60,000,000,000 token (one unit per token per
/// nanosecond of refill), so refilling over any split of the same time span gives the same level: no
/// rounding, no floating point. The bucket starts full at the first step it sees. Time that goes
/// backwards (an out-of-order step) refills nothing and does not move the clock back.
struct LegacyTokenBucket: Sendable, Hashable {
    static let unitsPerToken: UInt64 = 60_000_000_000

    let perMinute: UInt64
    private(set) var whole: UInt64
    private(set) var remainder: UInt64 = 0
    private(set) var lastNanos: Int64?

    /// Negative rates are treated as 0 (every consuming step is denied).
    init(perMinute: Int) {
        self.perMinute = UInt64(max(0, perMinute))
        whole = self.perMinute
    }

    /// Advances the bucket's clock to `nanos`, refilling for the elapsed time (none if time went back).
    mutating func refill(at nanos: Int64) {
        guard let last = lastNanos else {
            lastNanos = nanos
            return
        }
        guard nanos > last else { return }
        lastNanos = nanos
        let (elapsed, overflow) = nanos.subtractingReportingOverflow(last)
        if overflow || UInt64(elapsed) >= Self.unitsPerToken {
            fill()
            return
        }
        // perMinute × elapsed ns, split into whole tokens and remaining units (full width: no overflow).
        let product = perMinute.multipliedFullWidth(by: UInt64(elapsed))
        let (tokens, units) = Self.unitsPerToken.dividingFullWidth(product)
        whole += tokens
        remainder += units
        if remainder >= Self.unitsPerToken {
            remainder -= Self.unitsPerToken
            whole += 1
        }
        if whole >= perMinute { fill() }
    }

    /// True when at least `amount` whole tokens are available (call `refill` first).
    func canTake(_ amount: UInt64) -> Bool { whole >= amount }

    mutating func take(_ amount: UInt64) { whole -= min(whole, amount) }

    var available: UInt64 { whole }

    private mutating func fill() {
        whole = perMinute
        remainder = 0
    }
}
