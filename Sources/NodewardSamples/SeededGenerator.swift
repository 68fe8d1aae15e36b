import NodewardCore

/// The fleet's draws: `SplitMix64` plus named streams and the helpers the scripts use. The fleet must be
/// byte-identical for a given seed on every platform.
struct SeededGenerator: Sendable {
    private var core: SplitMix64

    init(seed: UInt64) { core = SplitMix64(state: seed) }

    /// An independent stream for a named purpose (one per tenant), so adding a tenant does not shift the
    /// draws of the others.
    init(seed: UInt64, stream: String) {
        var mixed = seed ^ 0x9E37_79B9_7F4A_7C15
        for byte in stream.utf8 { mixed = (mixed ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        core = SplitMix64(state: mixed)
        _ = next()
    }

    mutating func next() -> UInt64 { core.next() }

    /// Uniform in `0..<bound` (multiply-high: no modulo bias worth mentioning, no loop).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// `count` lowercase hex digits (trace and span ids).
    mutating func hex(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count)
        while text.count < count {
            let digits = String(next(), radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return String(text.prefix(count))
    }
}
