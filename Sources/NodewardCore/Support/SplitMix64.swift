/// SplitMix64: a tiny, fast, seedable generator whose draws are the same on every platform (the standard
/// library's `random(in:)` algorithms are not a documented contract). The sample generator and the
/// seeded test corpora use it so that their output reproduces byte for byte.
public struct SplitMix64: Sendable, Hashable {
    public private(set) var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
