/// What format detection has seen of a file so far: the first non-blank lines, up to `maxLines` lines
/// or `maxBytes` bytes. The first line that is a complete OTLP export or Nodeward JSONL record decides the
/// format; the lines before it (cut by log rotation or a byte-range copy, or plain garbage) are kept as
/// skips, without their bytes, and reported once the format is known (docs/formats.md, "Format detection").
struct TraceFormatSample {
    static let maxLines = 64
    static let maxBytes = 1 << 20

    struct Skip {
        var code: DiagnosticCode
        var message: String
        var line: Int
    }

    /// The first non-blank line's first non-blank byte and whether it ended with a newline.
    var first: (byte: UInt8, terminated: Bool)?
    private(set) var lines = 0
    private(set) var bytes = 0
    var skips: [Skip] = []

    mutating func note(_ code: DiagnosticCode, _ message: String, line: Int, bytes count: Int) {
        lines += 1
        bytes += count
        skips.append(Skip(code: code, message: message, line: line))
    }

    var isFull: Bool { lines >= Self.maxLines || bytes >= Self.maxBytes }
}
