import Foundation
import NodewardCore

/// The deterministic sample-fleet generator behind `nodeward generate`.
public enum NodewardSamples {}

/// What to generate. The defaults are the committed `Samples/fleet`.
public struct FleetOptions: Sendable, Hashable {
    public var runs: Int
    public var tenants: Int
    public var seed: UInt64
    public var format: FleetTraceFormat
    /// When set, runs are generated until exactly this many steps are written (benchmark mode; `runs`
    /// is ignored). The last run is cut off where the budget ends, as an export window would cut it.
    public var stepLimit: Int?
    /// `--dialects`: tenant i is configured in dialect i mod N (DialectConfigWriter); empty: every tenant
    /// is a TenantAgentSandbox (the committed sample).
    public var dialects: [String]

    public init(runs: Int = 2000, tenants: Int = 5, seed: UInt64 = 42, format: FleetTraceFormat = .mixed, stepLimit: Int? = nil,
                dialects: [String] = []) {
        self.dialects = dialects
        self.runs = runs
        self.tenants = tenants
        self.seed = seed
        self.format = format
        self.stepLimit = stepLimit
    }

    /// Start of the simulated window: 2026-11-02T00:00:00Z.
    static let baseNanos: Int64 = 1_793_577_600 * 1_000_000_000
    /// The window the runs spread over: four weeks.
    static let windowNanos: Int64 = 28 * 86_400 * 1_000_000_000
}

/// What a generation wrote.
public struct FleetSummary: Sendable, Hashable {
    /// Written files, relative to the output folder, sorted.
    public var files: [String]
    public var runs: Int
    public var steps: Int
    public var bytes: Int
    public var incidents: Int
    /// Incidents whose recorded legacy decision differs from `expectLegacy` though they are not config
    /// drift (the legacy evaluator disagrees with the fleet's design; worth a look).
    public var unexpectedLegacy: Int
}

public enum GeneratorError: Error, Sendable, Hashable, CustomStringConvertible {
    case outputNotEmpty(String)
    case invalidOption(String)
    case io(String)

    /// Why a file operation failed, from the errno underneath: never Foundation's sentence
    /// ("The operation could not be completed. (NSCocoaErrorDomain error 512.)").
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
        let code = nsError.domain == NSPOSIXErrorDomain ? Int32(nsError.code)
            : underlying?.domain == NSPOSIXErrorDomain ? Int32(underlying!.code) : nil
        guard let code else { return "the system refused (file error \(nsError.code))" }
        return String(cString: strerror(code)).lowercased()
    }

    public var description: String {
        switch self {
        case .outputNotEmpty(let path): return "\(path) is not empty; pass --force to overwrite the generated files in it"
        case .invalidOption(let message): return message
        case .io(let message): return message
        }
    }
}
