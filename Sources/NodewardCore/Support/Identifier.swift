import Foundation

extension DiagnosticCode {
    /// A tenant or workflow id in a sandbox holds invisible or control characters (error).
    public static let sandboxInvalidId: DiagnosticCode = "sandbox.invalid-id"
    /// Two sandboxes' tenant ids differ only by case (warning).
    public static let sandboxConfusableTenant: DiagnosticCode = "sandbox.confusable-tenant"
    /// A trace record's tenant or workflow id holds invisible or control characters (the record is skipped).
    public static let traceInvalidId: DiagnosticCode = "trace.invalid-id"
    /// Two tenant ids in the traces differ only by case (warning, once per pair).
    public static let traceConfusableTenant: DiagnosticCode = "trace.confusable-tenant"
}

/// The one rule for the ids Nodeward groups by (tenant ids, workflow ids), wherever they are read:
/// Unicode NFC, so `é` typed two ways is one id; no invisible or control characters (zero-width
/// characters, bidi controls, C0/C1 controls, other format and default-ignorable characters, line and
/// paragraph separators), so two ids that print alike are one id or an error, never two silent rows.
public enum Identifier {
    public enum Problem: Error, Sendable, Hashable {
        /// The id holds a character that does not print; `position` is the 1-based character index.
        case invisible(position: Int, codePoint: UInt32)
    }

    /// The NFC form of `raw`, or why it is refused.
    public static func normalize(_ raw: String) -> Result<String, Problem> {
        // Fast path (almost every id): printable ASCII is NFC and holds nothing invisible.
        if raw.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return .success(raw) }
        var position = 0
        for scalar in raw.unicodeScalars {
            position += 1
            if isInvisible(scalar) { return .failure(.invisible(position: position, codePoint: scalar.value)) }
        }
        // Fast path: ASCII is already NFC.
        if raw.utf8.allSatisfy({ $0 < 0x80 }) { return .success(raw) }
        return .success(raw.precomposedStringWithCanonicalMapping)
    }

    /// What a diagnostic says about a refused id: the position and code point, never the id itself.
    public static func describe(_ problem: Problem, what: String) -> String {
        switch problem {
        case .invisible(let position, let codePoint):
            let hex = String(codePoint, radix: 16, uppercase: true)
            return "\(what) holds an invisible or control character (U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) at character \(position)); remove it"
        }
    }

    /// The key two ids share when they differ only by case (`Acme`, `acme`).
    public static func caseFolded(_ id: String) -> String { id.lowercased() }

    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate:
            return true
        default:
            return scalar.properties.isDefaultIgnorableCodePoint
        }
    }
}

/// Remembers ids by their case-folded form, to warn once when two differ only by case.
struct CaseConfusables {
    private var seen: Set<String> = []
    private var byFolded: [String: String] = [:]
    private var reported: Set<[String]> = []

    /// The earlier id that differs from `id` only by case, the first time this pair is seen; else nil.
    mutating func note(_ id: String) -> String? {
        // Most records repeat an id already seen: no case folding for them.
        guard seen.insert(id).inserted else { return nil }
        let folded = Identifier.caseFolded(id)
        guard let earlier = byFolded[folded] else {
            byFolded[folded] = id
            return nil
        }
        guard earlier != id else { return nil }
        return reported.insert([earlier, id].sorted()).inserted ? earlier : nil
    }
}
