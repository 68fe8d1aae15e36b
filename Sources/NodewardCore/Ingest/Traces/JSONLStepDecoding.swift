/// One Nodeward JSONL step record decoded outside a trace file (the shadow sidecar's request bodies),
/// with exactly the rules of the JSONL reader (docs/formats.md, "Nodeward JSONL").
public enum JSONLStepDecoding {
    /// Why a record is not a step. The message names fields only, never their values.
    public struct Failure: Error, Sendable, Hashable {
        public var code: DiagnosticCode
        public var message: String
    }

    public struct Decoded: Sendable, Hashable {
        public var step: Step
        /// Parts of the record that were dropped (e.g. a non-canonical resource), by field name.
        public var warnings: [String]
    }

    /// Decodes one step record (`type` absent or `step`); a `type: run` record is a failure here.
    public static func decode(_ members: [String: JSONValue], source: SourceLocation) -> Result<Decoded, Failure> {
        switch JSONLRecordDecoder().decode(members, source: source) {
        case .success(.step(let step, let warnings)): return .success(Decoded(step: step, warnings: warnings))
        case .success(.run): return .failure(Failure(code: .traceInvalidValue, message: "\"type\" must be \"step\" here"))
        case .failure(let skip): return .failure(Failure(code: skip.code, message: skip.message))
        }
    }
}
