import Foundation

/// Post-processing of YAML that Yams emits, for files people review.
public enum YAMLText {
    /// Yams writes every double in scientific notation (`7.6e-1`); reviewers read `0.76`. Rewrites a
    /// value that ends a line and is such a number, keeping 4 decimals at most (the precision we store).
    public static func plainFloats(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices {
            guard let separator = lines[index].range(of: ": ", options: .backwards) else { continue }
            let value = lines[index][separator.upperBound...]
            guard value.contains("e"), value.first.map({ $0.isNumber || $0 == "-" }) == true, let number = Double(value) else { continue }
            lines[index] = lines[index][..<separator.upperBound] + plain(number)
        }
        return lines.joined(separator: "\n")
    }

    static func plain(_ number: Double) -> String {
        var text = String(format: "%.4f", number)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text += "0" }
        return text
    }
}
