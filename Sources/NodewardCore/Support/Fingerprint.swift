/// Payload fingerprints for reports and the store: reports never print tenant payloads, only these.
///
/// FNV-1a 64-bit: fast enough for the ingest loop and stable across platforms and runs. It is not a
/// cryptographic commitment; a low-entropy value (a short e-mail address) can be confirmed by guessing,
/// which docs/formats.md states.
public enum Fingerprint {
    public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    public static func of(_ text: String) -> UInt64 {
        var copy = text
        return copy.withUTF8 { fnv1a64($0) }
    }

    /// `h:` + 16 lowercase hex digits, the form reports print.
    public static func label(_ text: String) -> String {
        hex(of(text))
    }

    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "h:" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
