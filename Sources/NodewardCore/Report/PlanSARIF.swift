/// The plan's findings as SARIF 2.1.0, so code scanning shows them as alerts on the lines of the
/// policy rules that are widened or disputed.
extension PlanReport {
    struct SARIFLog: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [SARIFRun]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct SARIFRun: Encodable {
        var tool: SARIFTool
        var results: [SARIFResult]
    }

    struct SARIFTool: Encodable {
        var driver: SARIFDriver
    }

    struct SARIFDriver: Encodable {
        var name = "nodeward"
        var rules: [SARIFRule]
    }

    struct SARIFRule: Encodable {
        var id: String
        var shortDescription: SARIFText
        var defaultConfiguration: SARIFLevel
    }

    struct SARIFText: Encodable {
        var text: String
        /// GitHub renders `markdown` when present: the names in it are escaped by `MarkdownText`.
        var markdown: String?

        init(text: String) { self.text = text }

        /// From document text: `text` plain (marks dropped, nothing escaped), `markdown` escaped.
        init(document: String) {
            text = Inline.plain(document)
            markdown = MarkdownText.inline(document)
        }
    }

    struct SARIFLevel: Encodable {
        var level: String
    }

    struct SARIFResult: Encodable {
        var ruleId: String
        var level: String
        var message: SARIFText
        var locations: [SARIFLocation]
        var partialFingerprints: [String: String]
    }

    struct SARIFLocation: Encodable {
        var physicalLocation: SARIFPhysical
    }

    struct SARIFPhysical: Encodable {
        var artifactLocation: SARIFArtifact
        var region: SARIFRegion
    }

    struct SARIFArtifact: Encodable {
        var uri: String
    }

    struct SARIFRegion: Encodable {
        var startLine: Int
    }

    static let sarifRules: [(id: String, text: String, level: String)] = [
        ("nodeward/widened", "The node policy allows a step the tenant sandbox denies", "error"),
        ("nodeward/unknown-step", "Steps match no node of the workflow's policy and would be denied", "error"),
        ("nodeward/tightened", "The node policy denies a step the tenant sandbox allows", "warning"),
        ("nodeward/unevaluable", "The traces lack context a node rule needs", "note"),
        ("nodeward/policy-widened", "The policy grants more than the baseline's", "error"),
    ]

    public func sarif() -> String {
        var results: [SARIFResult] = []
        var files: [String: PolicyFileSummary] = [:]
        for file in policies.files { files[file.workflow] = file }
        func location(workflow: String, node: String?) -> [SARIFLocation] {
            guard let file = files[workflow] else { return [] }
            let line = node.flatMap { file.nodeLines[$0] } ?? 1
            return [SARIFLocation(physicalLocation: SARIFPhysical(artifactLocation: SARIFArtifact(uri: file.path), region: SARIFRegion(startLine: line)))]
        }
        for finding in findings {
            let level = finding.severity == .high ? "error" : finding.severity == .medium ? "warning" : "note"
            let sample = finding.sample
            let text = "\(Inline.code(finding.workflow)) / \(Inline.code(finding.node)): \(finding.title). Sample \(sample.tenant) \(sample.run)/\(sample.step): "
                + "legacy \(sample.legacy.effect.rawValue) by \(Inline.code(sample.legacy.rule)), node \(sample.nodeDecision.effect.rawValue) by "
                + "\(Inline.code(sample.nodeDecision.rule)) (\(sample.nodeDecision.reason))."
            results.append(SARIFResult(ruleId: "nodeward/\(finding.comparison.rawValue)", level: level, message: SARIFText(document: text),
                                       locations: location(workflow: finding.workflow, node: finding.node),
                                       partialFingerprints: ["nodewardFinding": finding.id]))
        }
        for change in policyDiff?.widened ?? [] {
            let text = "\(Inline.code(change.workflow)) / \(change.node.map(Inline.code) ?? "-"): \(change.aspect) widened: \(change.detail)"
            let id = "P-" + String(Fingerprint.label("\(change.workflow)|\(change.node ?? "")|\(change.aspect)|\(change.detail)").suffix(8))
            results.append(SARIFResult(ruleId: "nodeward/policy-widened", level: "error", message: SARIFText(document: text),
                                       locations: location(workflow: change.workflow, node: change.node),
                                       partialFingerprints: ["nodewardFinding": id]))
        }
        let rules = Self.sarifRules.map { SARIFRule(id: $0.id, shortDescription: SARIFText(text: $0.text), defaultConfiguration: SARIFLevel(level: $0.level)) }
        return StableJSON.encode(SARIFLog(runs: [SARIFRun(tool: SARIFTool(driver: SARIFDriver(rules: rules)), results: results)]))
    }
}
