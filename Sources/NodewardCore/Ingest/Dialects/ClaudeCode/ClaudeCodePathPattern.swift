import Foundation

/// What relative rule paths resolve against, from where the settings file sits: a file at
/// `<root>/.claude/settings.json` has project root `<root>`; a user settings file at
/// `<home>/.claude/settings.json` has home `<home>`. Unknown bases make a rule "floating".
public struct ClaudeCodePathBase: Sendable, Hashable {
    public var projectRoot: String?
    public var home: String?

    public init(projectRoot: String? = nil, home: String? = nil) {
        self.projectRoot = projectRoot
        self.home = home
    }
}

/// A gitignore-style path specifier of a `Read(…)`/`Edit(…)` rule. `//path` is absolute, `~/path` from
/// the home folder, `/path` from the project root, `./path` and `path` from the current folder (taken as
/// the project root). `*` matches within one path segment, `**` any number of segments; a pattern without
/// a `/` matches a name at any depth; a pattern that matches a folder matches everything in it.
public struct ClaudeCodePathPattern: Sendable, Hashable {
    /// The absolute folder the pattern is anchored at; nil when that folder is unknown (the pattern then
    /// matches at any depth, and is reported as an approximation).
    public var anchor: String?
    public var segments: [String]
    /// A pattern without `/` (gitignore: matches at any depth below the anchor).
    public var anyDepth: Bool
    /// The specifier as written, for reasons.
    public var text: String
    /// The compiled pattern the matcher runs: leading any-depth, the segments, and the folder-contents tail.
    let tokens: [PathToken]

    /// One compiled element of a path pattern.
    enum PathToken: Sendable, Hashable {
        /// One segment matching a glob (`*` within the segment).
        case segment(Glob)
        /// `**` inside a pattern, the any-depth prefix, the contents of a matched folder: zero or more segments.
        case anyZeroOrMore
        /// A trailing `**` as written: what is inside a folder, at least one segment.
        case anyOneOrMore
    }

    init(anchor: String?, segments: [String], anyDepth: Bool, text: String) throws(ClaudeCodeRule.ParseError) {
        self.anchor = anchor
        self.segments = segments
        self.anyDepth = anyDepth
        self.text = text
        var tokens: [PathToken] = anyDepth || anchor == nil ? [.anyZeroOrMore] : []
        for (index, segment) in segments.enumerated() {
            if segment == "**" {
                let token: PathToken = index == segments.count - 1 ? .anyOneOrMore : .anyZeroOrMore
                // Consecutive `**` mean the same as one.
                if token == .anyZeroOrMore, tokens.last == .anyZeroOrMore { continue }
                tokens.append(token)
            } else {
                guard let glob = try? Glob(segment) else { throw .invalid("invalid glob in the path specifier") }
                tokens.append(.segment(glob))
            }
        }
        tokens.append(.anyZeroOrMore)
        self.tokens = tokens
    }

    static func parse(_ text: String, base: ClaudeCodePathBase) -> Result<ClaudeCodePathPattern, ClaudeCodeRule.ParseError> {
        var rest: Substring
        var anchor: String?
        var anchorKnown = true
        if text.hasPrefix("//") {
            rest = text.dropFirst(2)
            anchor = ""
        } else if text.hasPrefix("~/") {
            rest = text.dropFirst(2)
            anchor = base.home
            anchorKnown = base.home != nil
        } else if text.hasPrefix("/") {
            rest = text.dropFirst(1)
            anchor = base.projectRoot
            anchorKnown = base.projectRoot != nil
        } else {
            rest = text.hasPrefix("./") ? text.dropFirst(2) : Substring(text)
            anchor = base.projectRoot
            anchorKnown = base.projectRoot != nil
        }
        let trimmed = rest.hasSuffix("/") ? rest.dropLast() : rest
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !segments.isEmpty else { return .failure(.invalid("the path specifier is empty")) }
        if segments.contains("..") { return .failure(.invalid("`..` is not allowed in a path specifier")) }
        let anyDepth = !text.hasPrefix("/") && !text.hasPrefix("~/") && !trimmed.contains("/")
        do {
            return .success(try ClaudeCodePathPattern(anchor: anchorKnown ? anchor : nil, segments: segments, anyDepth: anyDepth, text: text))
        } catch {
            return .failure(error)
        }
    }

    /// True when the pattern's meaning depends on a folder Nodeward could not determine.
    public var isFloating: Bool { anchor == nil }

    /// Whether an absolute (or, with an unknown anchor, any) path matches: below the anchor, the tokens
    /// must cover the whole path (an unknown anchor starts with any depth; a matched folder covers its
    /// contents through the trailing zero-or-more token).
    func matches(_ path: String) -> Bool {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if let anchor {
            let base = anchor.split(separator: "/", omittingEmptySubsequences: true)
            guard path.hasPrefix("/"), parts.count >= base.count, parts.prefix(base.count).elementsEqual(base) else { return false }
            parts.removeFirst(base.count)
        }
        guard !parts.isEmpty else { return false }
        return Self.match(tokens, parts)
    }

    /// Dynamic programming over (token, segment): linear in tokens × segments, however many `**`.
    static func match(_ tokens: [PathToken], _ parts: [Substring]) -> Bool {
        let count = parts.count
        // next[j]: tokens[i+1...] match parts[j...]; built from the last token backwards.
        var next = [Bool](repeating: false, count: count + 1)
        next[count] = true
        var current = next
        for token in tokens.reversed() {
            switch token {
            case .anyZeroOrMore:
                current[count] = next[count]
                for j in stride(from: count - 1, through: 0, by: -1) { current[j] = next[j] || current[j + 1] }
            case .anyOneOrMore:
                current[count] = false
                for j in stride(from: count - 1, through: 0, by: -1) { current[j] = next[j + 1] || current[j + 1] }
            case .segment(let glob):
                current[count] = false
                for j in 0..<count { current[j] = next[j + 1] && glob.matches(String(parts[j])) }
            }
            swap(&current, &next)
        }
        return next[0]
    }

    /// The TenantAgentSandbox globs that cover this pattern (a Glob's `*` also crosses `/`, so a pattern
    /// with wildcards is wider there: `exact` tells the import to report it).
    func sandboxGlobs() -> (globs: [String], exact: Bool) {
        let body = segments.map { $0 == "**" ? "*" : ClaudeCodePathPattern.escapedExceptWildcards($0) }.joined(separator: "/")
        var bases: [String] = []
        switch (anchor, anyDepth) {
        case (let anchor?, false): bases = ["\(anchor)/\(body)"]
        case (let anchor?, true): bases = ["\(anchor)/\(body)", "\(anchor)/*/\(body)"]
        case (nil, _): bases = ["*/\(body)"]
        }
        let globs = bases.flatMap { [$0, "\($0)/*"] }
        let wildcard = segments.contains { $0.contains("*") || $0.contains("?") || $0.contains("[") }
        return (globs, !wildcard && anchor != nil)
    }

    static func escapedExceptWildcards(_ segment: String) -> String {
        segment.replacingOccurrences(of: "\\", with: "\\\\")
    }
}
