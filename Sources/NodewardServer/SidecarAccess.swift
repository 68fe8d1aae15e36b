import Foundation
import NodewardCore

/// Which tenants a caller may ask decisions for.
public enum TenantScope: Sendable, Hashable {
    /// Every tenant (a plain one-line token file, or a `*` grant). Only such a caller may reload.
    case all
    case only(Set<String>)

    public func permits(_ tenant: String) -> Bool {
        switch self {
        case .all: true
        case .only(let tenants): tenants.contains(tenant)
        }
    }
}

/// One bearer token and the tenants it speaks for.
public struct TokenGrant: Sendable, Hashable {
    public var token: [UInt8]
    public var scope: TenantScope

    public init(token: String, scope: TenantScope) {
        self.token = Array(token.utf8)
        self.scope = scope
    }
}

/// Who may call the sidecar: the tokens of `--token-file`, or nobody checked at all
/// (`--insecure-no-auth`; the library default, so in-process tests and embedders choose explicitly).
public enum SidecarAccess: Sendable, Hashable {
    case unauthenticated
    case tokens([TokenGrant])

    /// One token for every tenant (what a plain one-line token file means).
    public static func token(_ token: String) -> SidecarAccess { .tokens([TokenGrant(token: token, scope: .all)]) }

    /// The scope of the presented token, nil when it matches none. Every grant is compared, each in
    /// constant time, so the time taken depends on the grants' lengths only, never on which matched
    /// or where the bytes first differ.
    func scope(presented: [UInt8]) -> TenantScope? {
        switch self {
        case .unauthenticated: return .all
        case .tokens(let grants):
            var matched: TenantScope?
            for grant in grants where Self.constantTimeEqual(presented, grant.token) && matched == nil {
                matched = grant.scope
            }
            return matched
        }
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count) | (lhs.count == rhs.count ? 0 : 1)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}

/// The `--token-file` format (docs/shadow.md, "Authentication and per-tenant authorization"): one grant
/// per line, `TOKEN` (every tenant) or `TOKEN tenant1,tenant2` or `TOKEN *`; blank lines and lines
/// starting with `#` after the first are skipped. A plain one-line token file is therefore one token for
/// every tenant. The first line must hold a grant: an empty first line is refused at start, not
/// answered with 401 on every request. Diagnostics name the file and line, never a token.
public enum TokenFile {
    public static func parse(_ text: String, path: String) -> Result<[TokenGrant], Diagnostic> {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var grants: [TokenGrant] = []
        var seen = Set<[UInt8]>()
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let location = SourceLocation(file: path, line: index + 1)
            if index == 0 && (line.isEmpty || line.hasPrefix("#")) {
                return .failure(Diagnostic(.error, "token.first-line-empty",
                    "the token file's first line must hold the token (it is empty or a comment); write the token on line 1",
                    at: location))
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count <= 2 else {
                return .failure(Diagnostic(.error, "token.bad-line",
                    "a grant is TOKEN or TOKEN tenant1,tenant2 or TOKEN *; this line has more than two fields", at: location))
            }
            let token = String(fields[0])
            guard seen.insert(Array(token.utf8)).inserted else {
                return .failure(Diagnostic(.error, "token.duplicate", "this token is granted on an earlier line too; keep one line per token",
                                           at: location))
            }
            let scope: TenantScope
            if fields.count == 1 || fields[1] == "*" {
                scope = .all
            } else {
                let tenants = fields[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard !tenants.contains(where: \.isEmpty), !tenants.contains("*") else {
                    return .failure(Diagnostic(.error, "token.bad-tenants",
                        "the tenant list is comma-separated names without spaces, or * alone for every tenant", at: location))
                }
                scope = .only(Set(tenants))
            }
            grants.append(TokenGrant(token: token, scope: scope))
        }
        guard !grants.isEmpty else {
            return .failure(Diagnostic(.error, "token.first-line-empty", "the token file is empty; write the token on line 1",
                                       at: SourceLocation(file: path, line: 1)))
        }
        return .success(grants)
    }
}
