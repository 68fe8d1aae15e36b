/// Why a CEL expression could not be compiled: a syntax error, a construct outside the supported subset
/// (docs/cel-subset.md), or a limit. Names the construct and its 1-based column, never the input text.
public struct CELIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// Not valid CEL (or not valid in the grammar this subset parses).
        case syntax = "cel.syntax"
        /// Valid CEL the subset does not evaluate: macros other than `has`, unknown functions, bytes,
        /// message construction, some regular expressions. Never treated as an allow.
        case unsupported = "unsupported-cel"
        /// Longer, deeper or costlier than `CELLimits` allows.
        case limit = "cel.limit"
    }

    public var code: Code
    /// 1-based column in the expression, counted in Unicode scalars.
    public var column: Int
    /// What was found, e.g. "macro `exists`" or "an unterminated string"; never the expression's text.
    public var message: String

    public init(_ code: Code, column: Int, _ message: String) {
        self.code = code
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message) [\(code.rawValue)]" }
}

/// Bounds for untrusted expressions: text length, nesting depth (checked before the parser recurses, so
/// deep nesting is an issue, never a stack overflow), evaluation steps, and regular-expression sizes.
public struct CELLimits: Sendable, Hashable {
    public var maxExpressionLength = 16_384
    public var maxDepth = 64
    public var maxSteps = 100_000
    /// Longest subject (UTF-16 units) `matches` runs on; longer is unknown (a limit), not false.
    public var maxRegexSubjectLength = 4_096
    public var maxRegexPatternLength = 1_024

    public init() {}
    public static let `default` = CELLimits()
}
