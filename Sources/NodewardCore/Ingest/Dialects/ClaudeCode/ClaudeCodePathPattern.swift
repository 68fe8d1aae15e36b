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
        for segment in segments where segment != "**" {
            guard (try? Glob(segment)) != nil else { return .failure(.invalid("invalid glob in the path specifier")) }
        }
        let anyDepth = !text.hasPrefix("/") && !text.hasPrefix("~/") && !trimmed.contains("/")
        return .success(ClaudeCodePathPattern(anchor: anchorKnown ? anchor : nil, segments: segments, anyDepth: anyDepth, text: text))
    }

    /// True when the pattern's meaning depends on a folder Nodeward could not determine.
    public var isFloating: Bool { anchor == nil }

    /// Whether an absolute (or, with an unknown anchor, any) path matches.
    func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let pattern = anyDepth ? ["**"] + segments : segments
        if let anchor {
            let base = anchor.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard path.hasPrefix("/"), parts.count >= base.count, Array(parts.prefix(base.count)) == base else { return false }
            return Self.matchPrefix(pattern, Array(parts.dropFirst(base.count)))
        }
        // Unknown anchor: the pattern may start at any folder.
        for start in 0...parts.count where Self.matchPrefix(pattern, Array(parts.dropFirst(start))) { return true }
        return false
    }

    /// True when the pattern matches the whole of `parts` or a leading folder of it (a matched folder
    /// covers its contents).
    static func matchPrefix(_ pattern: [String], _ parts: [String]) -> Bool {
        guard !parts.isEmpty else { return false }
        for length in stride(from: parts.count, through: 1, by: -1) where match(pattern[...], parts[..<length]) {
            return true
        }
        return false
    }

    static func match(_ pattern: ArraySlice<String>, _ parts: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return parts.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            // A trailing `**` matches everything inside a folder, not the folder itself (gitignore).
            if rest.isEmpty { return !parts.isEmpty }
            var index = parts.startIndex
            while true {
                if match(rest, parts[index...]) { return true }
                if index == parts.endIndex { return false }
                index += 1
            }
        }
        guard let part = parts.first, let glob = try? Glob(head), glob.matches(part) else { return false }
        return match(pattern.dropFirst(), parts.dropFirst())
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
